// The affine step y = x̂·γ + β with x̂ = (x - mean)·rstd, done in T without losing the precision
// of the double statistics.
//
// For float inputs, rounding the double mean to float costs up to half an ulp of the mean, which
// for data like 100 + 0.01·randn is a visible error in x̂. Splitting mean = shift + residual with
// shift = T(mean) keeps x - shift exact for x near the mean (Sterbenz) and folds the residual into
// the offset: y = (x - shift)·scale + offset, scale = rstd·γ, offset = β - residual·scale.
#pragma once

namespace normlab::kernels {

template <class T>
struct AffineStep {
  T shift, scale, offset;

  static AffineStep make(double mean, double rstd, double gamma, double beta) {
    const T shift = T(mean);
    const double residual = mean - double(shift);
    const double scale = rstd * gamma;
    return {shift, T(scale), T(beta - residual * scale)};
  }

  // y, x: (n)
  void apply(T* __restrict y, const T* __restrict x, std::size_t n) const {
    for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - shift) * scale + offset;
  }
};

}  // namespace normlab::kernels
