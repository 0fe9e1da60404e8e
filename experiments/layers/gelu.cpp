#include "experiments/layers/gelu.hpp"

#include <cmath>

#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
const Tensor<T>& Gelu<T>::forward(const Tensor<T>& x, Mode) {
  x_ = &x;
  ensure_shape_like(y_, x);
  const T* in = x.data();
  T* out = y_.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i)
    out[i] = T(0.5) * in[i] * std::erfc(-in[i] * T(M_SQRT1_2));
  return y_;
}

template <class T>
const Tensor<T>& Gelu<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError("GELU: backward before forward");
  check_output_grad(*this, dy, y_);
  ensure_shape_like(dx_, dy);
  const T* x = x_->data();
  const T* g = dy.data();
  T* dx = dx_.data();
  const T inv_sqrt_2pi = T(0.5 * M_2_SQRTPI * M_SQRT1_2);  // 1/√(2π)
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) {
    const T cdf = T(0.5) * std::erfc(-x[i] * T(M_SQRT1_2));
    const T pdf = inv_sqrt_2pi * std::exp(T(-0.5) * x[i] * x[i]);
    dx[i] = g[i] * (cdf + x[i] * pdf);
  }
  return dx_;
}

template class Gelu<float>;
template class Gelu<double>;

}  // namespace normlab
