#include "experiments/layers/activation.hpp"

#include <cmath>

#include "norms/errors.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

ActivationKind parse_activation(const std::string& name) {
  if (name == "relu") return ActivationKind::relu;
  if (name == "sigmoid") return ActivationKind::sigmoid;
  if (name == "tanh") return ActivationKind::tanh;
  throw InputError("unknown activation '" + name + "'; valid: relu, sigmoid, tanh");
}

std::string activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu: return "relu";
    case ActivationKind::sigmoid: return "sigmoid";
    case ActivationKind::tanh: return "tanh";
  }
  return "?";
}

template <class T>
std::string Activation<T>::describe() const {
  switch (kind_) {
    case ActivationKind::relu: return "ReLU()";
    case ActivationKind::sigmoid: return "Sigmoid()";
    case ActivationKind::tanh: return "Tanh()";
  }
  return "?";
}

template <class T>
const Tensor<T>& Activation<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  ensure_shape(y_, shape_of(x));
  const T* in = x.data();
  T* out = y_.data();
  const std::size_t n = x.size();
  switch (kind_) {
    case ActivationKind::relu:
      for (std::size_t i = 0; i < n; ++i) out[i] = in[i] > T(0) ? in[i] : T(0);
      break;
    case ActivationKind::sigmoid:
      for (std::size_t i = 0; i < n; ++i) out[i] = T(1) / (T(1) + std::exp(-in[i]));
      break;
    case ActivationKind::tanh:
      for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
      break;
  }
  return y_;
}

template <class T>
const Tensor<T>& Activation<T>::backward(const Tensor<T>& dy) {
  check_same_shape(describe() + " backward", "dy", shape_of(dy), shape_of(y_));
  if (!this->input_grad_needed_) return dx_;
  ensure_shape(dx_, shape_of(dy));
  const T* g = dy.data();
  const T* y = y_.data();
  T* dx = dx_.data();
  const std::size_t n = dy.size();
  switch (kind_) {
    case ActivationKind::relu:
      for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > T(0) ? g[i] : T(0);
      break;
    case ActivationKind::sigmoid:
      for (std::size_t i = 0; i < n; ++i) dx[i] = g[i] * y[i] * (T(1) - y[i]);
      break;
    case ActivationKind::tanh:
      for (std::size_t i = 0; i < n; ++i) dx[i] = g[i] * (T(1) - y[i] * y[i]);
      break;
  }
  return dx_;
}

template class Activation<float>;
template class Activation<double>;

}  // namespace normlab
