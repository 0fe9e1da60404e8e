// EvoNorm-S0 (Liu et al., 2020), a batch-independent normalization-plus-activation:
//   y = x · sigmoid(v·x) / sqrt(var_G + eps) · weight + bias
// x: (N, C, *spatial) viewed as (N, C, S), at least one spatial dim. var_G is the biased variance
// of a group of C/num_groups consecutive channels and the spatial dims, per sample, exactly as
// `group` computes it (kernels/group_kernels.hpp): each (n, g) is one statistic row of
// M = (C/G)·S contiguous elements. The numerator is x, not x - mean: S0 does not center.
// Forward caches only the group statistics (mean, rstd); backward recomputes sigmoid(v·x) from x.
#include <algorithm>
#include <cmath>

#include "norms/core/parallel.hpp"
#include "norms/core/simd_map.hpp"
#include "norms/kernels/group_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

struct EvoNormS0Options {
  std::size_t num_groups;
  double eps;
  static EvoNormS0Options parse(const Spec& spec) {
    const long groups = spec.get_int("num_groups");
    if (groups < 1) spec.fail("num_groups", "must be >= 1");
    return {std::size_t(groups), positive_eps(spec)};
  }
};

std::size_t checked_channels(const EvoNormS0Options& options, const Shape& example) {
  const std::size_t C = spatial_channels_of_example("evonorm_s0", example);
  if (C % options.num_groups != 0) {
    std::vector<std::string> divisors;
    for (std::size_t d = 1; d <= C; ++d)
      if (C % d == 0) divisors.push_back(std::to_string(d));
    throw InputError("evonorm_s0: num_groups=" + std::to_string(options.num_groups) +
                     " must divide the number of channels C=" + std::to_string(C) +
                     "; valid: " + join(divisors, ", "));
  }
  return C;
}

// σ(v·x) in double for a run of x, in chunks of kSigmoidChunk on SIMD registers (sigmoid_map:
// xsimd's exp, about 1 ulp). libm's exp, one call per element, was 90 % of this normalizer's
// time (38 ms forward+backward on (64, 64, 32, 32) at 1 thread, 4 % of the memory bandwidth).
// exp overflow gives σ = 0, not NaN.
constexpr std::size_t kSigmoidChunk = 512;

// sg[j] = σ(v·x[j]) for j < n ≤ kSigmoidChunk.
template <class T>
void sigmoid_of_scaled(double* sg, const T* x, double v, std::size_t n) {
  double z[kSigmoidChunk];
  for (std::size_t j = 0; j < n; ++j) z[j] = v * double(x[j]);
  sigmoid_map(sg, z, n);
}

template <class T>
class EvoNormS0 final : public Normalizer<T> {
 public:
  EvoNormS0(const EvoNormS0Options& options, const Shape& example)
      : options_(options), rank_(example.size()), channels_(checked_channels(options, example)) {
    weight_ = v_ = filled<T>({channels_}, 1);
    bias_ = weight_grad_ = bias_grad_ = v_grad_ = filled<T>({channels_}, 0);
  }

  std::string kind() const override { return "evonorm_s0"; }
  std::string describe() const override {
    return "EvoNormS0(" + std::to_string(channels_) + ", num_groups=" + std::to_string(options_.num_groups) +
           ", eps=" + format_number(options_.eps) + ")";
  }
  bool has_shift() const override { return true; }
  bool includes_activation() const override { return true; }

  std::vector<ParameterRef<T>> parameters() override {
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}, {"v", &v_, &v_grad_}};
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode /*mode*/) override {
    check_channels("evonorm_s0", x.shape(), rank_, channels_);
    L_ = {x.shape()[0], channels_, shape_product(x.shape(), 2), options_.num_groups};
    mean_.resize(L_.rows()), rstd_.resize(L_.rows());  // no-op once the batch size is steady
    kernels::group_statistics(mean_.data(), rstd_.data(), x.data(), L_, options_.eps);
    ensure_shape(y, x.shape());
    const std::size_t S = L_.S;
    parallel_for(L_.N * L_.C, S, [&](std::size_t nc) {
      const std::size_t c = nc % L_.C, row = nc / L_.channels_per_group();  // row = n·G + g
      const double v = double(v_.data()[c]), scale = rstd_[row] * double(weight_.data()[c]);
      const double b = double(bias_.data()[c]);
      const T* __restrict xr = x.data() + nc * S;
      T* __restrict yr = y.data() + nc * S;
      double sg[kSigmoidChunk];
      for (std::size_t s0 = 0; s0 < S; s0 += kSigmoidChunk) {
        const std::size_t count = std::min(kSigmoidChunk, S - s0);
        sigmoid_of_scaled(sg, xr + s0, v, count);
        for (std::size_t j = 0; j < count; ++j) {
          const double xs = double(xr[s0 + j]);
          yr[s0 + j] = T(xs * sg[j] * scale + b);
        }
      }
    });
  }

  // dx assigned; dweight, dbias, dv accumulated. With a = x·σ(v·x) (σ the sigmoid), r = rstd of
  // the element's group row, dŷ = dy·γ and M elements per row:
  //   dx = dŷ·r·(σ + v·x·σ·(1 - σ))          (through the numerator a)
  //      - r³·Σ_row(dŷ·a)·(x - mean)/M        (through var_G; the mean's own term sums to zero)
  //   dweight = Σ dy·a·r,  dbias = Σ dy,  dv = Σ dŷ·r·x²·σ·(1 - σ).
  // dx holds σ(v·x) between the row's two passes (rounded to T: ~1e-7 relative for float), which
  // saves one exp per element without a buffer of x's size.
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("evonorm_s0 backward", "dy", dy.shape(), x.shape());
    if (x.shape()[0] != L_.N || shape_product(x.shape(), 2) != L_.S)
      throw InputError("evonorm_s0 backward: x of shape " + shape_string(x.shape()) +
                       " is not the last forward's input");
    const std::size_t C = L_.C, S = L_.S, Cg = L_.channels_per_group(), M = L_.row_length();
    channel_sums_.resize(3 * L_.N * C);
    double* sum_dy_a = channel_sums_.data();  // (N·C): Σ_s dy·a
    double* sum_dy = sum_dy_a + L_.N * C;     // (N·C): Σ_s dy
    double* sum_dv = sum_dy + L_.N * C;       // (N·C): Σ_s dŷ·r·x²·σ·(1 - σ)
    ensure_shape(dx, x.shape());
    parallel_for(L_.rows(), 2 * M, [&](std::size_t row) {
      const double r = rstd_[row], m = mean_[row];
      // First the row's Σ dŷ·a for the variance term, with the per-(n, c) sums on the way.
      double row_dyhat_a = 0;
      for (std::size_t k = 0; k < Cg; ++k) {
        const std::size_t nc = row * Cg + k, c = nc % C;
        const double v = double(v_.data()[c]), g = double(weight_.data()[c]);
        const T* __restrict xr = x.data() + nc * S;
        const T* __restrict dyr = dy.data() + nc * S;
        T* __restrict sigmoid_cache = dx.data() + nc * S;  // dx holds σ(v·x) until the second pass
        // SIMD reductions, as in frn.cpp: their order is fixed by the binary, not the thread count.
        double dy_a = 0, dy_total = 0, dv = 0;
        double sgs[kSigmoidChunk];
        for (std::size_t s0 = 0; s0 < S; s0 += kSigmoidChunk) {
          const std::size_t count = std::min(kSigmoidChunk, S - s0);
          sigmoid_of_scaled(sgs, xr + s0, v, count);
#pragma omp simd reduction(+ : dy_a, dy_total, dv)
          for (std::size_t j = 0; j < count; ++j) {
            const double xs = double(xr[s0 + j]), d_y = double(dyr[s0 + j]), sg = sgs[j];
            sigmoid_cache[s0 + j] = T(sg);
            dy_a += d_y * xs * sg, dy_total += d_y, dv += d_y * xs * xs * sg * (1 - sg);
          }
        }
        sum_dy_a[nc] = dy_a, sum_dy[nc] = dy_total, sum_dv[nc] = dv * g * r;
        row_dyhat_a += g * dy_a;
      }
      const double through_var = r * r * r * row_dyhat_a / double(M);
      for (std::size_t k = 0; k < Cg; ++k) {
        const std::size_t nc = row * Cg + k, c = nc % C;
        const double v = double(v_.data()[c]), g = double(weight_.data()[c]);
        const T* __restrict xr = x.data() + nc * S;
        const T* __restrict dyr = dy.data() + nc * S;
        T* __restrict dxr = dx.data() + nc * S;
        for (std::size_t s = 0; s < S; ++s) {
          const double xs = double(xr[s]), sg = double(dxr[s]);  // σ(v·x), cached by the first pass
          dxr[s] = T(double(dyr[s]) * g * r * (sg + v * xs * sg * (1 - sg)) - through_var * (xs - m));
        }
      }
    });
    // The parameter gradients: per channel over n, in order (thread-count independent).
    parallel_for(C, L_.N, [&](std::size_t c) {
      double acc_weight = 0, acc_bias = 0, acc_v = 0;
      for (std::size_t n = 0; n < L_.N; ++n) {
        const std::size_t nc = n * C + c;
        acc_weight += sum_dy_a[nc] * rstd_[nc / Cg], acc_bias += sum_dy[nc], acc_v += sum_dv[nc];
      }
      weight_grad_.data()[c] = T(double(weight_grad_.data()[c]) + acc_weight);
      bias_grad_.data()[c] = T(double(bias_grad_.data()[c]) + acc_bias);
      v_grad_.data()[c] = T(double(v_grad_.data()[c]) + acc_v);
    });
  }

 private:
  EvoNormS0Options options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, v_, weight_grad_, bias_grad_, v_grad_;  // (C) each
  kernels::GroupLayout L_{0, 0, 0, 1};
  std::vector<double> mean_, rstd_;   // (N·G): group statistics of the last forward
  std::vector<double> channel_sums_;  // (3·N·C): backward scratch
};

}  // namespace

NormalizerInfo evonorm_s0_info() {
  return normalizer_info<EvoNormS0, EvoNormS0Options>(
      "evonorm_s0",
      "EvoNorm-S0 (Liu et al. 2020): x*sigmoid(v*x)/sqrt(var_G+eps)*weight+bias, var_G the group variance as "
      "`group` computes it; includes its activation",
      {{"num_groups", "32", "number of channel groups; must divide C"},
       {"eps", "1e-5", "added to the variance"}},
      {NormRole::activation,
       /*batch_statistics=*/false,
       /*running_buffers=*/false,
       /*min_rank=*/3,
       "",
       {"evonorm_s0:num_groups=4", "evonorm_s0:num_groups=2", "evonorm_s0:num_groups=1,eps=1e-3"},
       [](const Spec&) { return true; }});
}

}  // namespace normlab
