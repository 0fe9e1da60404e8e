// Element-wise kernels on whole SIMD registers (xsimd): f maps a register of x (and of a second
// input) to a register of y. The tail is padded into a register too, so that every element goes
// through the same code whatever its position, and a result does not depend on how a tensor is
// split into chunks or threads. For the transcendental functions (exp, erfc, tanh), whose libm
// calls are one per element and do not vectorize.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

// xsimd 8's AVX-512 exp (Debian 12) makes g++ 12 report -Wmaybe-uninitialized inside xsimd's own
// headers when it is inlined under -march=native on an AVX-512 machine: a false positive in the
// library, silenced around its include alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

namespace normlab {

// y[i] = f(x[i]) for i < n.
template <class T, class F>
void map_simd(T* y, const T* x, std::size_t n, F f) {
  using Batch = xsimd::batch<T>;
  constexpr std::size_t width = Batch::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width)
    f(Batch::load_unaligned(x + i)).store_unaligned(y + i);
  if (i == n) return;
  alignas(64) T in[width] = {}, out[width];
  std::copy(x + i, x + n, in);
  f(Batch::load_aligned(in)).store_aligned(out);
  std::copy(out, out + (n - i), y + i);
}

// y[i] = f(x[i], z[i]) for i < n.
template <class T, class F>
void map_simd(T* y, const T* x, const T* z, std::size_t n, F f) {
  using Batch = xsimd::batch<T>;
  constexpr std::size_t width = Batch::size;
  std::size_t i = 0;
  for (; i + width <= n; i += width)
    f(Batch::load_unaligned(x + i), Batch::load_unaligned(z + i)).store_unaligned(y + i);
  if (i == n) return;
  alignas(64) T in_x[width] = {}, in_z[width] = {}, out[width];
  std::copy(x + i, x + n, in_x);
  std::copy(z + i, z + n, in_z);
  f(Batch::load_aligned(in_x), Batch::load_aligned(in_z)).store_aligned(out);
  std::copy(out, out + (n - i), y + i);
}

// The sigmoid and tanh over n values, for the activation layers, the LSTM's gates and EvoNorm-S0. std::exp is
// one libm call per element and made the sigmoid the second-largest cost of a small MLP's training
// step (and libm's tanhf a third of an LSTM step); xsimd's exp (Cephes-based, about 1 ulp) runs on
// whole registers. sigmoid(x) = 1/(1 + e^-x). tanh keeps libm's in double, the reference
// precision of the gradient checks.
template <class T>
void sigmoid_map(T* y, const T* x, std::size_t n) {
  map_simd(y, x, n, [](const auto& v) { return 1 / (1 + xsimd::exp(-v)); });
}

template <class T>
void tanh_map(T* y, const T* x, std::size_t n) {
  if constexpr (std::is_same_v<T, double>) {
    for (std::size_t i = 0; i < n; ++i)
      y[i] = std::tanh(x[i]);
  } else {
    map_simd(y, x, n, [](const auto& v) { return xsimd::tanh(v); });
  }
}

}  // namespace normlab
