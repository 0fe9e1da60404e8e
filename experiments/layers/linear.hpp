// A fully connected layer as torch.nn.Linear: y = x·Wᵀ + b with W: (out, in), b: (out).
// x: (N, in) -> y: (N, out). Both products of the backward pass are GEMMs.
#pragma once

#include "experiments/layers/layer.hpp"
#include "experiments/layers/layer_weight.hpp"

namespace normlab {

template <class T>
class Linear final : public Layer<T> {
 public:
  // weight_norm_spec: "" for a plain weight, else a weight-normalization spec ("weight").
  Linear(std::size_t in_features, std::size_t out_features, bool bias, const std::string& weight_norm_spec = "");

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<BufferRef<T>> buffers() override { return weight_.buffers(); }

  std::size_t in_features() const { return in_; }
  std::size_t out_features() const { return out_; }
  LayerWeight<T>& weight() { return weight_; }
  bool has_bias() const { return has_bias_; }
  Tensor<T>& bias() { return bias_; }

 private:
  std::size_t in_, out_;
  bool has_bias_;
  LayerWeight<T> weight_;      // (out, in)
  Tensor<T> bias_, bias_grad_; // (out)
  const Tensor<T>* x_ = nullptr;  // (N, in): the last input
  const Tensor<T>* w_ = nullptr;  // (out, in): the weight the last forward used
  Tensor<T> y_;                // (N, out)
  Tensor<T> dx_;               // (N, in)
};

}  // namespace normlab
