// Switchable Normalization (Luo et al., 2019): a learned mix of instance, layer and batch
// statistics. x: (N, C, *spatial) viewed as (N, C, S), at least one spatial dim.
//   μ_in, σ²_in [n, c]  over S (biased)
//   μ_ln [n] = mean_c μ_in,   σ²_ln [n] = mean_c (σ²_in + μ_in²) - μ_ln²
//   μ_bn [c] = mean_n μ_in,   σ²_bn [c] = mean_n (σ²_in + μ_in²) - μ_bn²   (biased over N·S)
//   mean = Σ_k softmax(mean_weight)_k μ_k,  var = Σ_k softmax(var_weight)_k σ²_k,  k = in, ln, bn
//   y = weight · (x - mean) / sqrt(var + eps) + bias
// σ²_ln and σ²_bn are computed as mean(σ²_in) + mean((μ_in - μ_ln)²): the same value, but never
// negative from cancellation (which E[x²] - μ² can be when the means are large).
// Evaluation uses running_mean/running_var for the batch part only (instance and layer still come
// from the input); training updates them as `batch` does (momentum, unbiased over N·S).
// Forward caches the (n, c) statistics; backward recomputes x̂ from x.
// sync=true (synced_statistics.hpp): the batch part over the global batch of a data-parallel run
// (μ_bn, σ²_bn merged over the ranks; the backward's sums over n summed over the ranks).
#include <cmath>
#include <optional>

#include "norms/core/parallel.hpp"
#include "norms/core/reductions.hpp"
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"
#include "norms/shape_checks.hpp"
#include "norms/synced_statistics.hpp"

namespace normlab {

namespace {

struct SwitchableOptions {
  double eps;
  std::optional<double> momentum;
  bool sync;
  static SwitchableOptions parse(const Spec& spec) {
    return {positive_eps(spec), momentum_or_none(spec), spec.get_bool("sync")};
  }
};

constexpr std::size_t kIn = 0, kLn = 1, kBn = 2;  // the softmax index of each kind of statistic

// p: (3) written, softmax of the logits (max subtracted, so large logits do not overflow).
template <class T>
void softmax3(double* p, const T* logits) {
  const double top = std::max({double(logits[0]), double(logits[1]), double(logits[2])});
  double total = 0;
  for (std::size_t k = 0; k < 3; ++k)
    total += p[k] = std::exp(double(logits[k]) - top);
  for (std::size_t k = 0; k < 3; ++k)
    p[k] /= total;
}

template <class T>
class SwitchableNorm final : public Normalizer<T> {
 public:
  SwitchableNorm(const SwitchableOptions& options, const Shape& example)
      : options_(options),
        rank_(example.size()),
        channels_(spatial_channels_of_example("switchable", example)),
        synced_(options.sync) {
    const std::size_t C = channels_;
    weight_ = filled<T>({C}, 1);
    bias_ = weight_grad_ = bias_grad_ = filled<T>({C}, 0);
    mean_weight_ = var_weight_ = filled<T>({3}, 1);  // equal softmax weights: 1/3 each
    mean_weight_grad_ = var_weight_grad_ = filled<T>({3}, 0);
    running_.momentum = options_.momentum;
    running_.reset(C);
    bn_mean_.resize(C), bn_var_.resize(C), unbiased_.resize(C), d_bn_mean_.resize(C), d_bn_var_.resize(C);
  }

  std::string kind() const override { return "switchable"; }
  std::string describe() const override {
    return "SwitchNorm(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           (synced_.enabled() ? ", sync=true" : "") + ")";
  }
  bool has_shift() const override { return true; }
  void join_replicas(ReplicaGroup* group) override { synced_.join(group); }

  std::vector<ParameterRef<T>> parameters() override {
    return {{"weight", &weight_, &weight_grad_},
            {"bias", &bias_, &bias_grad_},
            {"mean_weight", &mean_weight_, &mean_weight_grad_},
            {"var_weight", &var_weight_, &var_weight_grad_}};
  }
  void begin_precise_statistics() override { running_.begin_precise(); }
  void end_precise_statistics() override { running_.end_precise(); }
  std::vector<BufferRef<T>> buffers() override { return running_.buffers(); }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    check_channels("switchable", x.shape(), rank_, channels_);
    L_ = {x.shape()[0], channels_, shape_product(x.shape(), 2)};
    training_ = mode == Mode::train;
    const std::size_t N = L_.N, C = L_.C, S = L_.S, rows = N * C;
    const bool synced = synced_.begin_forward(mode);
    if (training_ && !synced && L_.count_per_channel() <= 1)
      throw InputError(
          "switchable: expected more than 1 value per channel when training, got input of shape " +
          shape_string(x.shape()));
    in_mean_.resize(rows), in_var_.resize(rows), mean_.resize(rows), rstd_.resize(rows), steps_.resize(rows);
    ln_mean_.resize(N), ln_var_.resize(N);  // no-ops once the batch size is steady
    parallel_for(rows, S, [&](std::size_t row) {
      kernels::moments(x.data() + row * S, S, in_mean_[row], in_var_[row]);
    });
    // Layer statistics per sample over c; batch statistics per channel over n (both in order).
    for (std::size_t n = 0; n < N; ++n) {
      double m = 0, v = 0;
      for (std::size_t c = 0; c < C; ++c)
        m += in_mean_[n * C + c];
      m /= double(C);
      for (std::size_t c = 0; c < C; ++c) {
        const double d = in_mean_[n * C + c] - m;
        v += in_var_[n * C + c] + d * d;
      }
      ln_mean_[n] = m, ln_var_[n] = v / double(C);
    }
    if (training_) {
      for (std::size_t c = 0; c < C; ++c) {
        double m = 0, v = 0;
        for (std::size_t n = 0; n < N; ++n)
          m += in_mean_[n * C + c];
        m /= double(N);
        for (std::size_t n = 0; n < N; ++n) {
          const double d = in_mean_[n * C + c] - m;
          v += in_var_[n * C + c] + d * d;
        }
        bn_mean_[c] = m, bn_var_[c] = v / double(N);
      }
      double count = double(N * S);
      if (synced) count = global_count_ = synced_.merge_moments(bn_mean_.data(), bn_var_.data(), count, C, "switchable");
      for (std::size_t c = 0; c < C; ++c)
        unbiased_[c] = bn_var_[c] * count / (count - 1);
      running_.update(bn_mean_.data(), unbiased_.data());
    } else {
      for (std::size_t c = 0; c < C; ++c)
        bn_mean_[c] = double(running_.mean.data()[c]), bn_var_[c] = double(running_.var.data()[c]);
    }
    softmax3(w_mean_, mean_weight_.data());
    softmax3(w_var_, var_weight_.data());
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t c = 0; c < C; ++c) {
        const std::size_t row = n * C + c;
        mean_[row] = w_mean_[kIn] * in_mean_[row] + w_mean_[kLn] * ln_mean_[n] + w_mean_[kBn] * bn_mean_[c];
        const double var = w_var_[kIn] * in_var_[row] + w_var_[kLn] * ln_var_[n] + w_var_[kBn] * bn_var_[c];
        rstd_[row] = 1.0 / std::sqrt(var + options_.eps);
        steps_[row] = kernels::AffineStep<T>::make(mean_[row], rstd_[row], double(weight_.data()[c]),
                                                   double(bias_.data()[c]));
      }
    ensure_shape(y, x.shape());
    parallel_for(rows, S,
                 [&](std::size_t row) { steps_[row].apply(y.data() + row * S, x.data() + row * S, S); });
  }

  // dx assigned; every parameter gradient accumulated. Per (n, c), with dŷ = dy·γ and r = rstd:
  //   dmean = -r·Σ_s dŷ,  dvar = -r³/2·Σ_s dŷ·(x - mean)
  // dmean and dvar flow to each kind's statistic with its softmax weight; the layer part goes back
  // to μ_in, σ²_in through the mean over c, the batch part (training only) through the mean over n:
  //   dμ_in  = w_in·dmean + (dμ_ln + 2·dσ²_ln·(μ_in - μ_ln))/C + (dμ_bn + 2·dσ²_bn·(μ_in - μ_bn))/N
  //   dσ²_in = u_in·dvar  + dσ²_ln/C + dσ²_bn/N
  //   dx = r·dŷ + dμ_in/S + 2·dσ²_in·(x - μ_in)/S      (direct, through μ_in, through σ²_in)
  // The softmax weights get Σ dmean·μ_k (Σ dvar·σ²_k) through the softmax's Jacobian.
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("switchable backward", "dy", dy.shape(), x.shape());
    if (x.shape()[0] != L_.N || shape_product(x.shape(), 2) != L_.S)
      throw InputError("switchable backward: x of shape " + shape_string(x.shape()) +
                       " is not the last forward's input");
    const std::size_t N = L_.N, C = L_.C, S = L_.S, rows = N * C;
    sum_dy_.resize(rows), sum_dy_centered_.resize(rows), d_mean_.resize(rows), d_var_.resize(rows);
    d_ln_mean_.resize(N), d_ln_var_.resize(N);
    parallel_for(rows, 2 * S, [&](std::size_t row) {
      kernels::sum_dy_and_dy_centered(dy.data() + row * S, x.data() + row * S, S, mean_[row], sum_dy_[row],
                                      sum_dy_centered_[row]);
    });
    double d_w_mean[3] = {}, d_w_var[3] = {};  // gradients of the softmax outputs
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t c = 0; c < C; ++c) {
        const std::size_t row = n * C + c;
        const double g = double(weight_.data()[c]), r = rstd_[row];
        d_mean_[row] = -r * g * sum_dy_[row];
        d_var_[row] = -0.5 * r * r * r * g * sum_dy_centered_[row];
        d_w_mean[kIn] += d_mean_[row] * in_mean_[row], d_w_var[kIn] += d_var_[row] * in_var_[row];
        d_w_mean[kLn] += d_mean_[row] * ln_mean_[n], d_w_var[kLn] += d_var_[row] * ln_var_[n];
        d_w_mean[kBn] += d_mean_[row] * bn_mean_[c], d_w_var[kBn] += d_var_[row] * bn_var_[c];
      }
    for (std::size_t n = 0; n < N; ++n) {
      double dm = 0, dv = 0;
      for (std::size_t c = 0; c < C; ++c)
        dm += d_mean_[n * C + c], dv += d_var_[n * C + c];
      d_ln_mean_[n] = w_mean_[kLn] * dm, d_ln_var_[n] = w_var_[kLn] * dv;
    }
    for (std::size_t c = 0; c < C; ++c) {
      double dm = 0, dv = 0;
      for (std::size_t n = 0; n < N; ++n)
        dm += d_mean_[n * C + c], dv += d_var_[n * C + c];
      d_bn_mean_[c] = training_ ? w_mean_[kBn] * dm : 0.0;  // running statistics are constants
      d_bn_var_[c] = training_ ? w_var_[kBn] * dv : 0.0;
    }
    // The batch part's samples: this rank's, or the global batch's when synchronized.
    double bn_samples = double(N);
    if (synced_.active()) {
      synced_.sum(d_bn_mean_.data(), C);
      synced_.sum(d_bn_var_.data(), C);
      bn_samples = global_count_ / double(S);
    }
    ensure_shape(dx, x.shape());
    parallel_for(rows, S, [&](std::size_t row) {
      const std::size_t n = row / C, c = row % C;
      const double mi = in_mean_[row];
      const double d_in_mean = w_mean_[kIn] * d_mean_[row] +
                               (d_ln_mean_[n] + 2 * d_ln_var_[n] * (mi - ln_mean_[n])) / double(C) +
                               (d_bn_mean_[c] + 2 * d_bn_var_[c] * (mi - bn_mean_[c])) / bn_samples;
      const double d_in_var = w_var_[kIn] * d_var_[row] + d_ln_var_[n] / double(C) + d_bn_var_[c] / bn_samples;
      const double a = rstd_[row] * double(weight_.data()[c]), k_mean = d_in_mean / double(S);
      const double k_var = 2 * d_in_var / double(S);
      const T* __restrict xr = x.data() + row * S;
      const T* __restrict dyr = dy.data() + row * S;
      T* __restrict dxr = dx.data() + row * S;
      for (std::size_t s = 0; s < S; ++s)
        dxr[s] = T(a * double(dyr[s]) + k_mean + k_var * (double(xr[s]) - mi));
    });
    for (std::size_t c = 0; c < C; ++c) {
      double acc_weight = 0, acc_bias = 0;
      for (std::size_t n = 0; n < N; ++n) {
        acc_weight += sum_dy_centered_[n * C + c] * rstd_[n * C + c];  // dweight = Σ dy·x̂
        acc_bias += sum_dy_[n * C + c];                                // dbias = Σ dy
      }
      weight_grad_.data()[c] = T(double(weight_grad_.data()[c]) + acc_weight);
      bias_grad_.data()[c] = T(double(bias_grad_.data()[c]) + acc_bias);
    }
    softmax_backward(mean_weight_grad_.data(), w_mean_, d_w_mean);
    softmax_backward(var_weight_grad_.data(), w_var_, d_w_var);
  }

 private:
  // dlogits (3) accumulated from p = softmax(logits) and dp: dlogit_k = p_k·(dp_k - Σ_j p_j·dp_j).
  static void softmax_backward(T* dlogits, const double* p, const double* dp) {
    const double dot = p[0] * dp[0] + p[1] * dp[1] + p[2] * dp[2];
    for (std::size_t k = 0; k < 3; ++k)
      dlogits[k] = T(double(dlogits[k]) + p[k] * (dp[k] - dot));
  }

  SwitchableOptions options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, weight_grad_, bias_grad_;                        // (C) each
  Tensor<T> mean_weight_, var_weight_, mean_weight_grad_, var_weight_grad_;  // (3) each: in, ln, bn
  RunningStats<T> running_;
  kernels::ChannelLayout L_{0, 0, 0};
  bool training_ = true;
  double w_mean_[3] = {}, w_var_[3] = {};  // the softmax weights of the last forward
  // Caches sized once per batch size: (N·C) statistics and backward terms, (N) layer, (C) batch.
  std::vector<double> in_mean_, in_var_, mean_, rstd_, sum_dy_, sum_dy_centered_, d_mean_, d_var_;
  std::vector<double> ln_mean_, ln_var_, d_ln_mean_, d_ln_var_;
  std::vector<double> bn_mean_, bn_var_, unbiased_, d_bn_mean_, d_bn_var_;
  std::vector<kernels::AffineStep<T>> steps_;  // (N·C)
  SyncedStatistics synced_;
  double global_count_ = 0;  // values per channel over all ranks in a synchronized forward
};

}  // namespace

NormalizerInfo switchable_info() {
  return normalizer_info<SwitchableNorm, SwitchableOptions>(
      "switchable",
      "switchable normalization (Luo et al. 2019): softmax-weighted instance, layer and batch means and "
      "variances; eval uses running stats for the batch part only",
      {{"eps", "1e-5", "added to the mixed variance"},
       {"momentum", "0.1", "running-statistics factor, or none for a cumulative average"},
       sync_key()},
      {NormRole::activation,
       /*batch_statistics=*/true,
       /*running_buffers=*/true,
       /*min_rank=*/3,
       "",
       {"switchable", "switchable:momentum=none,eps=1e-3"}, /*includes_activation=*/{}});
}

}  // namespace normlab
