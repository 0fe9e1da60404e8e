// RMS normalization (Zhang & Sennrich, 2019), as torch.nn.RMSNorm(x.shape[1:]) of PyTorch >= 2.4:
//     y = x / sqrt(mean(x²) + eps) · weight,   the mean over all non-batch dims of each sample.
// Layer normalization without the centering and without a bias. eps = none takes the machine
// epsilon of the dtype, as PyTorch does.
//
// x, y, dy, dx: (N, L) row-major, L = the product of the non-batch dims; weight: (L) (held with
// the shape x.shape[1:]); rstd: (N), the only statistic the forward caches (backward recomputes
// x̂ = x·rstd from x).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "norms/core/parallel.hpp"
#include "norms/core/reductions.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

struct RmsNormOptions {
  std::optional<double> eps;  // none: the dtype's machine epsilon
  bool elementwise_affine;
  static RmsNormOptions parse(const Spec& spec) {
    const auto eps = spec.get_optional_double("eps");
    if (eps && !(*eps > 0)) spec.fail("eps", "must be > 0 (an all-zero row would divide by zero), or none");
    return {eps, spec.get_bool("elementwise_affine")};
  }
};

Shape rms_normalized_shape_of(const Shape& example) {
  if (example.size() < 2 || shape_product(example, 1) == 0)
    throw InputError(
        "rms norm expects input of shape (N, *normalized_shape) with a non-empty normalized shape, got " +
        shape_string(example));
  return Shape(example.begin() + 1, example.end());
}

template <class T>
class RmsNorm final : public Normalizer<T> {
 public:
  RmsNorm(const RmsNormOptions& options, const Shape& example)
      : eps_(options.eps ? *options.eps : double(std::numeric_limits<T>::epsilon())),
        affine_(options.elementwise_affine),
        normalized_shape_(rms_normalized_shape_of(example)),
        L_(shape_product(normalized_shape_)) {
    if (affine_) {
      weight_ = filled<T>(normalized_shape_, 1);
      weight_grad_ = filled<T>(normalized_shape_, 0);
      weight_grad_sum_.resize(L_);
    }
  }

  std::string kind() const override { return "rms"; }
  std::string describe() const override {
    return "RMSNorm(" + shape_string(normalized_shape_) + ", eps=" + format_number(eps_) +
           ", elementwise_affine=" + bool_string(affine_) + ")";
  }

  std::vector<ParameterRef<T>> parameters() override {
    if (!affine_) return {};
    return {{"weight", &weight_, &weight_grad_}};
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode /*mode*/) override {
    check_input(x);
    N_ = x.shape()[0];
    rstd_.resize(N_);  // no-op once the batch size is steady
    ensure_shape(y, x.shape());
    const T* w = affine_ ? weight_.data() : nullptr;
    parallel_for(N_, 2 * L_, [&](std::size_t n) {
      const T* __restrict xr = x.data() + n * L_;
      T* __restrict yr = y.data() + n * L_;
      // mean(x²) as Σ (x - 0)² / L: the lane-accumulated double sum of the variance.
      const double r = 1.0 / std::sqrt(kernels::sum_squared_deviation(xr, L_, 0.0) / double(L_) + eps_);
      rstd_[n] = r;
      const T scale = T(r);
      if (w)
        for (std::size_t j = 0; j < L_; ++j)
          yr[j] = xr[j] * scale * w[j];
      else
        for (std::size_t j = 0; j < L_; ++j)
          yr[j] = xr[j] * scale;
    });
  }

  // With x̂ = x·rstd and dx̂ = weight·dy (dy without the affine step):
  //   dx = rstd·dx̂                    the direct term
  //      - rstd·x̂·mean(dx̂·x̂)         through the root mean square
  //   dweight = Σ_n dy·x̂  (accumulated).
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("rms norm backward", "dy", dy.shape(), x.shape());
    if (x.shape()[0] != N_ || x.size() != N_ * L_)
      throw InputError("rms norm backward: x of shape " + shape_string(x.shape()) +
                       " is not the last forward's input");
    ensure_shape(dx, x.shape());
    const T* w = affine_ ? weight_.data() : nullptr;
    parallel_for(N_, 3 * L_, [&](std::size_t n) {
      const T* __restrict xr = x.data() + n * L_;
      const T* __restrict dyr = dy.data() + n * L_;
      T* __restrict dxr = dx.data() + n * L_;
      const double r = rstd_[n];
      // Σ dx̂·x in lanes (a fixed order); one dependent add per element was 4 cycles each.
      double dot = 0, unused_sum_dxhat;
      if (w)
        kernels::sum_scaled_and_scaled_centered(dyr, w, xr, L_, 0.0, unused_sum_dxhat, dot);
      else
        dot = kernels::dot(dyr, xr, L_);
      const T direct = T(r);                                   // rstd
      const T through_rms = T(-r * r * r * dot / double(L_));  // -rstd·x̂·mean(dx̂·x̂) = -(rstd³·mean(dx̂·x))·x
      if (w)
        for (std::size_t j = 0; j < L_; ++j)
          dxr[j] = direct * w[j] * dyr[j] + through_rms * xr[j];
      else
        for (std::size_t j = 0; j < L_; ++j)
          dxr[j] = direct * dyr[j] + through_rms * xr[j];
    });
    if (!affine_) return;
    // dweight: per element over the batch in double, n in order for every element (so the result
    // does not depend on the thread count); blocks of elements so the inner loop runs along rows.
    constexpr std::size_t kBlock = 256;
    parallel_for((L_ + kBlock - 1) / kBlock, 2 * N_ * kBlock, [&](std::size_t block) {
      const std::size_t j0 = block * kBlock, j1 = std::min(L_, j0 + kBlock);
      double* __restrict total = weight_grad_sum_.data();
      for (std::size_t j = j0; j < j1; ++j)
        total[j] = 0;
      for (std::size_t n = 0; n < N_; ++n) {
        const T* __restrict xr = x.data() + n * L_;
        const T* __restrict dyr = dy.data() + n * L_;
        const double r = rstd_[n];
        for (std::size_t j = j0; j < j1; ++j)
          total[j] += double(dyr[j]) * double(xr[j]) * r;
      }
    });
    for (std::size_t j = 0; j < L_; ++j)
      weight_grad_.data()[j] = T(double(weight_grad_.data()[j]) + weight_grad_sum_[j]);
  }

 private:
  void check_input(const Tensor<T>& x) const {
    const auto& s = x.shape();
    if (s.size() != normalized_shape_.size() + 1 ||
        !std::equal(normalized_shape_.begin(), normalized_shape_.end(), s.begin() + 1) || s[0] == 0)
      throw InputError("rms norm expects input of shape (N, " + shape_string(normalized_shape_).substr(1) +
                       ", got " + shape_string(s));
  }

  double eps_;
  bool affine_;
  Shape normalized_shape_;
  std::size_t L_, N_ = 0;
  Tensor<T> weight_, weight_grad_;       // x.shape[1:]
  std::vector<double> rstd_;             // (N): 1/sqrt(mean(x²) + eps) of the last forward
  std::vector<double> weight_grad_sum_;  // (L): backward scratch
};

}  // namespace

NormalizerInfo rms_norm_info() {
  return normalizer_info<RmsNorm, RmsNormOptions>(
      "rms",
      "RMS normalization: x/sqrt(mean(x²)+eps)·weight per sample over all non-batch dims, no centering, no "
      "bias (torch.nn.RMSNorm(x.shape[1:]))",
      {{"eps", "none", "added to the mean square; none: the machine epsilon of the dtype (as PyTorch)"},
       {"elementwise_affine", "true", "learnable per-element weight (no bias)"}},
      {NormRole::activation, false, false, 2, "", {"rms", "rms:elementwise_affine=false", "rms:eps=1e-3"}, /*includes_activation=*/{}});
}

}  // namespace normlab
