// Flatten as torch.nn.Flatten(): (N, *) -> (N, product of the other dims), a copy in row-major order.
#pragma once

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class Flatten final : public Layer<T> {
 public:
  std::string describe() const override { return "Flatten()"; }
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;

 private:
  const Tensor<T>* x_ = nullptr;  // (N, *): the last input
  Tensor<T> y_;        // (N, F)
  Tensor<T> dx_;       // (N, *)
};

}  // namespace normlab
