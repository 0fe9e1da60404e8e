// Elementwise activations: ReLU, Sigmoid, Tanh. Each backward is written from the output y,
// which the layer owns, so no input needs to be kept:
//   ReLU: dx = dy·[y > 0];  Sigmoid: dx = dy·y·(1 - y);  Tanh: dx = dy·(1 - y²).
#pragma once

#include "experiments/layers/layer.hpp"

namespace normlab {

enum class ActivationKind { relu, sigmoid, tanh };

// "relu" | "sigmoid" | "tanh"; InputError otherwise.
ActivationKind parse_activation(const std::string& name);
std::string activation_name(ActivationKind kind);

template <class T>
class Activation final : public Layer<T> {
 public:
  explicit Activation(ActivationKind kind) : kind_(kind) {}

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  ActivationKind kind() const { return kind_; }
  // The activation's input (its pre-activations), for layer statistics of models without
  // normalization layers.
  const Tensor<T>* last_input() const override { return x_; }

 private:
  ActivationKind kind_;
  const Tensor<T>* x_ = nullptr;  // the last input
  Tensor<T> y_, dx_;  // the shape of the last input
};

}  // namespace normlab
