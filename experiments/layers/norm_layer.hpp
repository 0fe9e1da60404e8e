// A normalization layer: a Normalizer from norms/ applied to activations (N, C) or (N, C, H, W).
// Its parameters and buffers are the normalizer's, under the normalizer's own names.
#pragma once

#include <memory>

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class NormLayer final : public Layer<T> {
 public:
  // sample_shape: one input sample without the batch dim, e.g. (128) or (16, 32, 32).
  NormLayer(std::unique_ptr<Normalizer<T>> normalizer, const Shape& sample_shape)
      : normalizer_(std::move(normalizer)), sample_shape_(sample_shape) {}

  // Says when the normalizer is also the layer's activation (no separate activation layer follows).
  std::string describe() const override {
    return normalizer_->describe() + (normalizer_->includes_activation() ? " + its activation" : "");
  }
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override { return normalizer_->parameters(); }
  std::vector<BufferRef<T>> buffers() override { return normalizer_->buffers(); }
  Normalizer<T>* activation_normalizer() override { return normalizer_.get(); }
  const Tensor<T>* last_input() const override { return x_; }

 private:
  std::unique_ptr<Normalizer<T>> normalizer_;
  Shape sample_shape_;
  const Tensor<T>* x_ = nullptr;  // the last input
  Tensor<T> y_, dx_;              // the input's shape
};

}  // namespace normlab
