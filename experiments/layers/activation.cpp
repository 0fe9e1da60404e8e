#include "experiments/layers/activation.hpp"

#include <algorithm>
#include <cmath>

#include "experiments/layers/elementwise.hpp"
#include "norms/core/simd_map.hpp"
#include "experiments/layers/tensor_shapes.hpp"
#include "norms/core/errors.hpp"

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
  x_ = &x;
  ensure_shape_like(y_, x);
  const T* in = x.data();
  T* out = y_.data();
  for_each_chunk(x.size(), [&](std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    switch (kind_) {
      case ActivationKind::relu: {
        const T* __restrict xc = in + begin;  // local restrict pointers, as in backward
        T* __restrict yc = out + begin;
        for (std::size_t i = 0; i < n; ++i) yc[i] = xc[i] > T(0) ? xc[i] : T(0);
        break;
      }
      case ActivationKind::sigmoid:
        sigmoid_map(out + begin, in + begin, n);
        break;
      case ActivationKind::tanh:
        tanh_map(out + begin, in + begin, n);
        break;
    }
  });
  return y_;
}

template <class T>
const Tensor<T>& Activation<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, dy);
  const T* g = dy.data();
  const T* y = y_.data();
  T* dx = dx_.data();
  for_each_chunk(dy.size(), [&](std::size_t begin, std::size_t end) {
    // Local restrict pointers: through the captured references, every store to dx could change
    // the pointers themselves, and the loops would not vectorize.
    const T* __restrict gc = g + begin;
    const T* __restrict yc = y + begin;
    T* __restrict dxc = dx + begin;
    const std::size_t n = end - begin;
    switch (kind_) {
      case ActivationKind::relu:
        for (std::size_t i = 0; i < n; ++i) dxc[i] = yc[i] > T(0) ? gc[i] : T(0);
        break;
      case ActivationKind::sigmoid:
        for (std::size_t i = 0; i < n; ++i) dxc[i] = gc[i] * yc[i] * (T(1) - yc[i]);
        break;
      case ActivationKind::tanh:
        for (std::size_t i = 0; i < n; ++i) dxc[i] = gc[i] * (T(1) - yc[i] * yc[i]);
        break;
    }
  });
  return dx_;
}

template class Activation<float>;
template class Activation<double>;

}  // namespace normlab
