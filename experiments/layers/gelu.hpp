// GELU as torch.nn.GELU() (approximate='none'): y = x·Φ(x) with Φ the standard normal CDF,
// Φ(x) = (1 + erf(x/√2))/2; dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(-x²/2)/√(2π).
// Φ is computed as erfc(-x/√2)/2, which keeps its precision for negative x where 1 + erf
// cancels. Keeps a pointer to its input (the backward needs x, not y).
#pragma once

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class Gelu final : public Layer<T> {
 public:
  std::string describe() const override { return "GELU()"; }
  Shape output_shape(const Shape& input) const override { return input; }
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  const Tensor<T>* last_input() const override { return x_; }

 private:
  const Tensor<T>* x_ = nullptr;  // the last input
  Tensor<T> y_, dx_;              // the input's shape
};

}  // namespace normlab
