#include "experiments/layers/gelu.hpp"

#include <cmath>
#include <type_traits>

#include "norms/core/simd_map.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

namespace {

// In float, erfc and exp run on whole SIMD registers (xsimd's, a few ulp): std::erfc is a scalar
// libm call per element and made GELU about a sixth of a Transformer's training step. Double keeps
// libm's, the reference precision of the gradient checks and fixtures.
template <class T>
void gelu_forward(T* y, const T* x, std::size_t n) {
  if constexpr (std::is_same_v<T, float>) {
    map_simd(y, x, n, [](const auto& v) { return 0.5f * v * xsimd::erfc(-v * float(M_SQRT1_2)); });
  } else {
    for (std::size_t i = 0; i < n; ++i)
      y[i] = T(0.5) * x[i] * std::erfc(-x[i] * T(M_SQRT1_2));
  }
}

// dx = dy·(Φ(x) + x·φ(x)).
template <class T>
void gelu_backward(T* dx, const T* x, const T* dy, std::size_t n) {
  const T inv_sqrt_2pi = T(0.5 * M_2_SQRTPI * M_SQRT1_2);  // 1/√(2π)
  if constexpr (std::is_same_v<T, float>) {
    map_simd(dx, x, dy, n, [inv_sqrt_2pi](const auto& v, const auto& g) {
      const auto cdf = 0.5f * xsimd::erfc(-v * float(M_SQRT1_2));
      const auto pdf = inv_sqrt_2pi * xsimd::exp(-0.5f * v * v);
      return g * (cdf + v * pdf);
    });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const T cdf = T(0.5) * std::erfc(-x[i] * T(M_SQRT1_2));
      const T pdf = inv_sqrt_2pi * std::exp(T(-0.5) * x[i] * x[i]);
      dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
  }
}

}  // namespace

template <class T>
const Tensor<T>& Gelu<T>::forward(const Tensor<T>& x, Mode) {
  x_ = &x;
  ensure_shape_like(y_, x);
  gelu_forward(y_.data(), x.data(), x.size());
  return y_;
}

template <class T>
const Tensor<T>& Gelu<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError("GELU: backward before forward");
  check_output_grad(*this, dy, y_);
  ensure_shape_like(dx_, dy);
  gelu_backward(dx_.data(), x_->data(), dy.data(), dy.size());
  return dx_;
}

template class Gelu<float>;
template class Gelu<double>;

}  // namespace normlab
