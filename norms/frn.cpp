// Filter Response Normalization with a Thresholded Linear Unit (Singh & Krishnan, 2020):
//   ν²[n, c] = mean over s of x[n, c, s]²           (no mean subtraction; (N, C): the one element)
//   z = weight[c] · x / sqrt(ν² + eps) + bias[c]
//   y = max(z, tau[c])  with tlu=true (the normalizer then includes its activation), else y = z.
// x: (N, C, *spatial) viewed as (N, C, S); every (n, c) is one statistic row of S elements.
// No batch statistics and no running buffers: training and evaluation are the same computation.
// Forward caches only rstd = 1/sqrt(ν² + eps) per row; backward recomputes z from x.
// A zero row has ν² = 0 and rstd = 1/sqrt(eps) (eps > 0 is checked), so no NaN.
#include <algorithm>
#include <cmath>
#include <limits>

#include "norms/core/parallel.hpp"
#include "norms/core/reductions.hpp"
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

struct FrnOptions {
  double eps;
  bool tlu;
  static FrnOptions parse(const Spec& spec) { return {positive_eps(spec), spec.get_bool("tlu")}; }
};

// The share of dz that goes to z (and not to tau) in y = max(z, tau): PyTorch's torch.maximum
// splits the gradient in half on a tie.
inline double share_of_z(double z, double tau) {
  return z > tau ? 1.0 : (z < tau ? 0.0 : 0.5);
}

// rstd: (N·C) written; x: (N, C, S).
template <class T>
void frn_statistics(double* rstd, const T* x, const kernels::ChannelLayout& L, double eps) {
  if (L.S == 1) {
    // (N, C): each row is one element, so ν² = x² elementwise, in runs that vectorize.
    parallel_for(L.N, L.C, [&](std::size_t n) {
      const T* __restrict xr = x + n * L.C;
      double* __restrict rr = rstd + n * L.C;
      for (std::size_t c = 0; c < L.C; ++c) rr[c] = 1.0 / std::sqrt(double(xr[c]) * double(xr[c]) + eps);
    });
    return;
  }
  parallel_for(L.N * L.C, L.S, [&](std::size_t row) {
    const T* xr = x + row * L.S;
    const double mean_square = kernels::dot(xr, xr, L.S) / double(L.S);  // ν², accumulated in double
    rstd[row] = 1.0 / std::sqrt(mean_square + eps);
  });
}

// y: (N, C, S) written; gamma, beta, tau: (C); tau null for tlu=false.
template <class T>
void frn_forward(T* y, const T* x, const double* rstd, const T* gamma, const T* beta, const T* tau,
                 const kernels::ChannelLayout& L) {
  constexpr double kNoTau = -std::numeric_limits<double>::infinity();
  if (L.S == 1) {
    // (N, C): one element per row; the loop runs across channels so it vectorizes.
    // The max as a select, not a branch: z's sign is data, and a mispredicted branch per element
    // cost 7 ns each (measured, (128, 1024) with τ = 0).
    parallel_for(L.N, L.C, [&](std::size_t n) {
      const T* __restrict xr = x + n * L.C;
      const double* __restrict rr = rstd + n * L.C;
      T* __restrict yr = y + n * L.C;
      if (!tau) {
        for (std::size_t c = 0; c < L.C; ++c) yr[c] = T(double(xr[c]) * (double(gamma[c]) * rr[c]) + double(beta[c]));
        return;
      }
      // Eight channels at a time as vectors: GCC leaves the max of the plain loop a branch.
      using kernels::Lanes, kernels::load_lanes, kernels::kVectorLanes;
      std::size_t c = 0;
      for (; c + kVectorLanes <= L.C; c += kVectorLanes) {
        const Lanes z = load_lanes(xr + c) * (load_lanes(gamma + c) * load_lanes(rr + c)) + load_lanes(beta + c);
        const Lanes t = load_lanes(tau + c);
        kernels::store_lanes(yr + c, z < t ? t : z);  // std::max(z, t), NaN included
      }
      for (; c < L.C; ++c) {
        const double z = double(xr[c]) * (double(gamma[c]) * rr[c]) + double(beta[c]), t = double(tau[c]);
        yr[c] = T(z < t ? t : z);
      }
    });
    return;
  }
  parallel_for(L.N * L.C, L.S, [&](std::size_t row) {
    const std::size_t c = row % L.C;
    // z in double, as frn_backward recomputes it to decide the TLU's side; no TLU: τ = -inf.
    const double scale = double(gamma[c]) * rstd[row], shift = double(beta[c]);
    const double t = tau ? double(tau[c]) : kNoTau;
    const T* __restrict xr = x + row * L.S;
    T* __restrict yr = y + row * L.S;
    for (std::size_t s = 0; s < L.S; ++s)
      yr[s] = T(std::max(double(xr[s]) * scale + shift, t));
  });
}

// frn_backward for (N, C) inputs (S = 1), where each statistic row is one element: the same
// formulas per element, channels across the inner loop (it vectorizes), and the parameter
// gradients summed over n in order per channel, as the general path sums them. One row at a
// time the general path took 34 ns per element on (128, 1024).
// kTlu: whether tau takes part (tau, dtau non-null); a template argument so that the inner loop
// has no conditional load and vectorizes.
template <bool kTlu, class T>
void frn_backward_per_element(T* dx, T* dgamma, T* dbeta, T* dtau, const T* dy, const T* x, const double* rstd,
                              const T* gamma, const T* beta, const T* tau, const kernels::ChannelLayout& L) {
  constexpr std::size_t kBlock = kernels::kChannelBlock;
  const std::size_t blocks = (L.C + kBlock - 1) / kBlock;
  parallel_for(blocks, 2 * L.N * kBlock, [&](std::size_t b) {
    const std::size_t c0 = b * kBlock, width = std::min(L.C, c0 + kBlock) - c0;
    double acc_gamma[kBlock] = {}, acc_beta[kBlock] = {}, acc_tau[kBlock] = {};
    for (std::size_t n = 0; n < L.N; ++n) {
      const std::size_t at = n * L.C + c0;
      const T* __restrict xr = x + at;
      const T* __restrict dyr = dy + at;
      const double* __restrict rr = rstd + at;
      T* __restrict dxr = dx + at;
      for (std::size_t j = 0; j < width; ++j) {
        const std::size_t c = c0 + j;
        const double g = double(gamma[c]), r = rr[j], xv = double(xr[j]), d = double(dyr[j]);
        const double share = kTlu ? share_of_z(xv * (g * r) + double(beta[c]), double(tau[c])) : 1.0;
        const double dz_x = share * d * xv;
        dxr[j] = T((g * r) * share * d - g * r * r * r * dz_x * xv);
        acc_gamma[j] += dz_x * r;
        acc_beta[j] += share * d;
        acc_tau[j] += d - share * d;
      }
    }
    for (std::size_t j = 0; j < width; ++j) {
      const std::size_t c = c0 + j;
      dgamma[c] = T(double(dgamma[c]) + acc_gamma[j]);
      dbeta[c] = T(double(dbeta[c]) + acc_beta[j]);
      if (kTlu) dtau[c] = T(double(dtau[c]) + acc_tau[j]);
    }
  });
}

// Backward. dx: (N, C, S) assigned. dgamma, dbeta, dtau: (C) accumulated (dtau null for tlu=false).
// row_sums: (3·N·C) scratch. With dz = dy·[z wins the max] and per row r = rstd,
//   dx = γ·r·dz  -  γ·r³·x·mean(dz·x)     (the direct term, and the term through ν²)
//   dγ = Σ dz·x·r,  dβ = Σ dz,  dτ = Σ dy·[τ wins the max]   (over n and s)
template <class T>
void frn_backward(T* dx, T* dgamma, T* dbeta, T* dtau, const T* dy, const T* x, const double* rstd,
                  const T* gamma, const T* beta, const T* tau, const kernels::ChannelLayout& L,
                  double* row_sums) {
  const std::size_t rows = L.N * L.C, S = L.S;
  double* sum_dz_x = row_sums;             // (N·C): Σ_s dz·x
  double* sum_dz = row_sums + rows;        // (N·C): Σ_s dz
  double* sum_dtau = row_sums + 2 * rows;  // (N·C): Σ_s dy·[τ wins]
  if (S == 1) {
    if (tau)
      frn_backward_per_element<true>(dx, dgamma, dbeta, dtau, dy, x, rstd, gamma, beta, tau, L);
    else
      frn_backward_per_element<false>(dx, dgamma, dbeta, dtau, dy, x, rstd, gamma, beta, tau, L);
    return;
  }
  parallel_for(rows, 2 * S, [&](std::size_t row) {
    const std::size_t c = row % L.C;
    const double g = double(gamma[c]), r = rstd[row];
    // z as frn_forward computed it, so that the max picks the same side; no TLU: τ = -inf.
    const double scale = g * r, shift = double(beta[c]);
    const double t = tau ? double(tau[c]) : -std::numeric_limits<double>::infinity();
    const T* __restrict xr = x + row * S;
    const T* __restrict dyr = dy + row * S;
    T* __restrict dxr = dx + row * S;
    // A SIMD reduction: its order is fixed by the binary (not by the thread count), and unlike
    // fixed lanes it vectorizes for float too (GCC 12 judged the float lane loop unprofitable).
    double dz_x = 0, dz_total = 0, dtau_total = 0;
#pragma omp simd reduction(+ : dz_x, dz_total, dtau_total)
    for (std::size_t s = 0; s < S; ++s) {
      const double share = share_of_z(double(xr[s]) * scale + shift, t), d = double(dyr[s]);
      dz_x += share * d * double(xr[s]);
      dz_total += share * d;
      dtau_total += d - share * d;
    }
    sum_dz_x[row] = dz_x, sum_dz[row] = dz_total, sum_dtau[row] = dtau_total;
    const double direct = g * r, through_nu = g * r * r * r * dz_x / double(S);  // γ·r and γ·r³·mean(dz·x)
    for (std::size_t s = 0; s < S; ++s)
      dxr[s] = T(direct * share_of_z(double(xr[s]) * scale + shift, t) * double(dyr[s]) -
                 through_nu * double(xr[s]));
  });
  // The parameter gradients: per channel over n, in order (thread-count independent).
  parallel_for(L.C, L.N, [&](std::size_t c) {
    double acc_gamma = 0, acc_beta = 0, acc_tau = 0;
    for (std::size_t n = 0; n < L.N; ++n) {
      const std::size_t row = n * L.C + c;
      acc_gamma += sum_dz_x[row] * rstd[row];
      acc_beta += sum_dz[row];
      acc_tau += sum_dtau[row];
    }
    dgamma[c] = T(double(dgamma[c]) + acc_gamma);
    dbeta[c] = T(double(dbeta[c]) + acc_beta);
    if (dtau) dtau[c] = T(double(dtau[c]) + acc_tau);
  });
}

template <class T>
class FilterResponseNorm final : public Normalizer<T> {
 public:
  FilterResponseNorm(const FrnOptions& options, const Shape& example)
      : options_(options), rank_(example.size()), channels_(channels_of_example("frn", example)) {
    weight_ = filled<T>({channels_}, 1);
    bias_ = weight_grad_ = bias_grad_ = filled<T>({channels_}, 0);
    if (options_.tlu) tau_ = tau_grad_ = bias_;
  }

  std::string kind() const override { return "frn"; }
  std::string describe() const override {
    return "FRN(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", tlu=" + bool_string(options_.tlu) + ")";
  }
  bool has_shift() const override { return true; }
  bool includes_activation() const override { return options_.tlu; }

  std::vector<ParameterRef<T>> parameters() override {
    std::vector<ParameterRef<T>> params = {{"weight", &weight_, &weight_grad_},
                                           {"bias", &bias_, &bias_grad_}};
    if (options_.tlu) params.push_back({"tau", &tau_, &tau_grad_});
    return params;
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode /*mode*/) override {
    check_channels("frn", x.shape(), rank_, channels_);
    layout_ = {x.shape()[0], channels_, shape_product(x.shape(), 2)};
    rstd_.resize(layout_.N * channels_);  // no-op once the batch size is steady
    frn_statistics(rstd_.data(), x.data(), layout_, options_.eps);
    ensure_shape(y, x.shape());
    frn_forward(y.data(), x.data(), rstd_.data(), weight_.data(), bias_.data(), tau(), layout_);
  }

  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("frn backward", "dy", dy.shape(), x.shape());
    if (x.shape()[0] != layout_.N || shape_product(x.shape(), 2) != layout_.S)
      throw InputError("frn backward: x of shape " + shape_string(x.shape()) +
                       " is not the last forward's input");
    row_sums_.resize(3 * layout_.N * channels_);
    ensure_shape(dx, x.shape());
    frn_backward(dx.data(), weight_grad_.data(), bias_grad_.data(), options_.tlu ? tau_grad_.data() : nullptr,
                 dy.data(), x.data(), rstd_.data(), weight_.data(), bias_.data(), tau(), layout_,
                 row_sums_.data());
  }

 private:
  const T* tau() const { return options_.tlu ? tau_.data() : nullptr; }

  FrnOptions options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, tau_, weight_grad_, bias_grad_, tau_grad_;  // (C) each
  kernels::ChannelLayout layout_{0, 0, 0};
  std::vector<double> rstd_;      // (N·C): statistics of the last forward
  std::vector<double> row_sums_;  // (3·N·C): backward scratch
};

}  // namespace

NormalizerInfo frn_info() {
  return normalizer_info<FilterResponseNorm, FrnOptions>(
      "frn",
      "filter response normalization: x/sqrt(mean_spatial(x^2)+eps)*weight+bias, then max(., tau) with the "
      "TLU (Singh & Krishnan 2020); with tlu=true it includes its activation",
      {{"eps", "1e-6", "added to the mean square ν²"},
       {"tlu", "true", "thresholded linear unit max(y, tau) with a learnable per-channel tau"}},
      {NormRole::activation,
       /*batch_statistics=*/false,
       /*running_buffers=*/false,
       /*min_rank=*/2,
       "",
       {"frn", "frn:tlu=false", "frn:eps=1e-3"},
       [](const Spec& spec) { return spec.get_bool("tlu"); }});
}

}  // namespace normlab
