// Batch renormalization (Ioffe, 2017).
//
// x: (N, C, *spatial), viewed as (N, C, S) row-major; every per-channel array: (C).
// Training, per channel, with μ = running_mean and σ = sqrt(running_var + eps) AS THEY ARE BEFORE
// this batch's update:
//     μ_B, σ_B = sqrt(var_B + eps)            (biased batch variance)
//     r = clip(σ_B / σ, 1/rmax, rmax),  d = clip((μ_B - μ) / σ, -dmax, dmax)
//     y = weight · ((x - μ_B)/σ_B · r + d) + bias
// r and d are constants in the backward pass (stop-gradient), so dx is batch norm's with the
// weight scaled by r. Then the running buffers are updated exactly as batch norm updates them.
// Evaluation: batch norm's, from the running buffers.
// sync=true (synced_statistics.hpp): μ_B, σ_B over the global batch of a data-parallel run, and
// the backward's sums over the ranks; r and d then come from the global statistics.
//
// Warmup (t = num_batches_tracked before the forward, i.e. the number of earlier training forwards):
//   t < warmup:                r = 1, d = 0 (plain batch normalization);
//   warmup <= t < 2·warmup:    rmax_t = 1 + (rmax - 1)·f, dmax_t = dmax·f, f = (t - warmup + 1)/warmup;
//   t >= 2·warmup:             rmax, dmax.
#include <algorithm>
#include <cmath>

#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"
#include "norms/shape_checks.hpp"
#include "norms/synced_statistics.hpp"

namespace normlab {

namespace {

struct BatchRenormOptions {
  double eps;
  std::optional<double> momentum;  // none: cumulative average
  double rmax, dmax;
  long warmup;
  bool sync;

  static BatchRenormOptions parse(const Spec& spec) {
    const double rmax = spec.get_double("rmax"), dmax = spec.get_double("dmax");
    if (!(rmax >= 1)) spec.fail("rmax", "must be >= 1 (r is clipped to [1/rmax, rmax])");
    if (!(dmax >= 0)) spec.fail("dmax", "must be >= 0 (d is clipped to [-dmax, dmax])");
    const long warmup = spec.get_int("warmup");
    if (warmup < 0) spec.fail("warmup", "must be >= 0 (a number of training forwards)");
    return {positive_eps(spec), momentum_or_none(spec), rmax, dmax, warmup, spec.get_bool("sync")};
  }

  // The clipping bounds of the training forward that follows t earlier ones (see the file comment).
  void limits_at(double t, double& rmax_t, double& dmax_t) const {
    const double w = double(warmup);
    if (t < w) {
      rmax_t = 1, dmax_t = 0;
    } else if (t < 2 * w) {
      const double f = (t - w + 1) / w;
      rmax_t = 1 + (rmax - 1) * f, dmax_t = dmax * f;
    } else {
      rmax_t = rmax, dmax_t = dmax;
    }
  }
};

template <class T>
class BatchRenorm final : public Normalizer<T> {
 public:
  BatchRenorm(const BatchRenormOptions& options, const Shape& example)
      : options_(options),
        rank_(example.size()),
        channels_(channels_of_example("batch renorm", example)),
        synced_(options.sync) {
    const std::size_t C = channels_;
    weight_ = filled<T>({C}, 1);
    bias_ = weight_grad_ = bias_grad_ = filled<T>({C}, 0);
    running_.momentum = options_.momentum;
    running_.reset(C);
    mean_.resize(C), var_.resize(C), rstd_.resize(C), r_.resize(C), d_.resize(C);
    sum_dy_.resize(C), sum_dy_centered_.resize(C), a_.resize(C), b_.resize(C), k_.resize(C);
    scaled_rstd_.resize(C), shift_.resize(C), affine_steps_.resize(C), grad_steps_.resize(C);
  }

  std::string kind() const override { return "batch_renorm"; }
  std::string describe() const override {
    return "BatchRenorm(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           ", rmax=" + format_number(options_.rmax) + ", dmax=" + format_number(options_.dmax) +
           ", warmup=" + std::to_string(options_.warmup) + (synced_.enabled() ? ", sync=true" : "") + ")";
  }
  bool has_shift() const override { return true; }
  void join_replicas(ReplicaGroup* group) override { synced_.join(group); }

  std::vector<ParameterRef<T>> parameters() override {
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}};
  }
  void begin_precise_statistics() override { running_.begin_precise(); }
  void end_precise_statistics() override { running_.end_precise(); }
  std::vector<BufferRef<T>> buffers() override { return running_.buffers(); }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    const auto& shape = x.shape();  // (N, C, *spatial)
    check_channels("batch renorm", shape, rank_, channels_);
    layout_ = {shape[0], channels_, shape_product(shape, 2)};
    training_ = mode == Mode::train;
    double count = double(layout_.count_per_channel());
    if (synced_.begin_forward(mode)) {  // the global batch's moments
      if (count > 0) kernels::channel_moments(mean_.data(), var_.data(), x.data(), layout_);
      count = global_count_ = synced_.merge_moments(mean_.data(), var_.data(), count, channels_, "batch renorm");
    } else if (training_) {
      if (count <= 1)
        throw InputError(
            "batch renorm: expected more than 1 value per channel when training, got input of shape " +
            shape_string(shape));
      kernels::channel_moments(mean_.data(), var_.data(), x.data(), layout_);
    }
    if (training_) {
      double rmax, dmax;
      options_.limits_at(double(running_.num_batches_tracked()), rmax, dmax);
      for (std::size_t c = 0; c < channels_; ++c) {
        rstd_[c] = 1.0 / std::sqrt(var_[c] + options_.eps);
        // The running statistics before this batch's update.
        const double sigma = std::sqrt(double(running_.var.data()[c]) + options_.eps);
        const double sigma_batch = std::sqrt(var_[c] + options_.eps);
        r_[c] = std::min(std::max(sigma_batch / sigma, 1.0 / rmax), rmax);
        d_[c] = std::min(std::max((mean_[c] - double(running_.mean.data()[c])) / sigma, -dmax), dmax);
        // y = (x - μ_B)·(rstd_B·r)·weight + (weight·d + bias)
        shift_[c] = T(double(weight_.data()[c]) * d_[c] + double(bias_.data()[c]));
      }
      // var_ becomes the unbiased variance here; it is not needed afterwards.
      for (std::size_t c = 0; c < channels_; ++c)
        var_[c] *= count / (count - 1);
      running_.update(mean_.data(), var_.data());
      for (std::size_t c = 0; c < channels_; ++c)
        scaled_rstd_[c] = rstd_[c] * r_[c];
    } else {
      for (std::size_t c = 0; c < channels_; ++c) {
        mean_[c] = double(running_.mean.data()[c]);
        rstd_[c] = 1.0 / std::sqrt(double(running_.var.data()[c]) + options_.eps);
        scaled_rstd_[c] = rstd_[c];
        shift_[c] = bias_.data()[c];
      }
    }
    ensure_shape(y, shape);
    kernels::channel_normalize(y.data(), x.data(), mean_.data(), scaled_rstd_.data(), weight_.data(),
                               shift_.data(), layout_, affine_steps_.data());
  }

  // In training, with x̂ = (x - μ_B)·rstd_B and γ' = weight·r (r, d constants), batch norm's terms:
  //   dx = γ'·rstd_B·dy                         the direct term
  //      - γ'·rstd_B·x̂·mean(dy·x̂)              through σ_B
  //      - γ'·rstd_B·mean(dy)                   through μ_B
  //   dweight = Σ dy·(x̂·r + d),  dbias = Σ dy   (accumulated).
  // In evaluation the statistics are constants: dx = weight·rstd·dy.
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    const auto& shape = x.shape();
    check_same_shape("batch renorm backward", "dy", dy.shape(), shape);
    if (shape[0] != layout_.N || shape_product(shape, 2) != layout_.S)
      throw InputError("batch renorm backward: x of shape " + shape_string(shape) +
                       " is not the last forward's input");
    double count = double(layout_.count_per_channel());
    kernels::channel_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), dy.data(), x.data(), mean_.data(),
                               layout_);
    const double* sum_dy = sum_dy_.data();
    const double* sum_dy_centered = sum_dy_centered_.data();
    if (synced_.active()) {  // the terms through the statistics take the sums over all ranks
      const double* totals = synced_.sum_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), channels_);
      sum_dy = totals, sum_dy_centered = totals + channels_;
      count = global_count_;
    }
    for (std::size_t c = 0; c < channels_; ++c) {
      const double r = training_ ? r_[c] : 1.0, s = rstd_[c];
      const double g = double(weight_.data()[c]) * r;  // γ' = weight·r
      a_[c] = g * s;
      if (training_) {
        b_[c] = -g * s * s * s * sum_dy_centered[c] / count;
        k_[c] = -g * s * sum_dy[c] / count;
      } else {
        b_[c] = k_[c] = 0;
      }
    }
    ensure_shape(dx, shape);
    kernels::channel_input_grad(dx.data(), dy.data(), x.data(), mean_.data(), a_.data(), b_.data(), k_.data(),
                                layout_, grad_steps_.data());
    // dweight = Σ dy·x̂·r + Σ dy·d, accumulated as two terms in batch norm's form (the first is
    // batch norm's dγ with rstd·r), so that r = 1, d = 0 gives batch norm's bits under any
    // floating-point contraction the compiler chooses.
    for (std::size_t c = 0; c < channels_; ++c) {
      const double r = training_ ? r_[c] : 1.0, d = training_ ? d_[c] : 0.0;
      weight_grad_.data()[c] += T(sum_dy_centered_[c] * (rstd_[c] * r));  // Σ dy·x̂·r
      weight_grad_.data()[c] += T(d * sum_dy_[c]);                        // Σ dy·d
      bias_grad_.data()[c] += T(sum_dy_[c]);                              // Σ dy
    }
  }

 private:
  BatchRenormOptions options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, weight_grad_, bias_grad_;  // (C) each
  RunningStats<T> running_;
  // Per-channel caches, (C) each, sized once: the last forward's statistics, r, d and scratch.
  std::vector<double> mean_, var_, rstd_, r_, d_, sum_dy_, sum_dy_centered_, a_, b_, k_;
  std::vector<double> scaled_rstd_;  // (C): rstd_B·r (training), rstd (evaluation)
  std::vector<T> shift_;             // (C): weight·d + bias (training), bias (evaluation), in T
  std::vector<kernels::AffineStep<T>> affine_steps_;
  std::vector<kernels::InputGradStep<T>> grad_steps_;
  kernels::ChannelLayout layout_{0, 0, 0};
  bool training_ = true;
  SyncedStatistics synced_;
  double global_count_ = 0;  // values per channel over all ranks in a synchronized forward
};

}  // namespace

NormalizerInfo batch_renorm_info() {
  return normalizer_info<BatchRenorm, BatchRenormOptions>(
      "batch_renorm",
      "batch renormalization (Ioffe 2017): batch norm corrected by r = clip(σ_B/σ, 1/rmax, rmax), "
      "d = clip((μ_B-μ)/σ, ±dmax) from the running statistics before this batch's update, r and d "
      "constants in backward; evaluation as batch",
      {{"eps", "1e-5", "added to the variance"},
       {"momentum", "0.1", "running-statistics factor, or none for a cumulative average"},
       {"rmax", "3", "r is clipped to [1/rmax, rmax]; >= 1"},
       {"dmax", "5", "d is clipped to [-dmax, dmax]; >= 0"},
       {"warmup", "0",
        "with t = num_batches_tracked before a training forward: r=1, d=0 while t < warmup; then rmax, dmax "
        "ramp as 1+(rmax-1)·f, dmax·f with f = (t-warmup+1)/warmup while t < 2·warmup; then rmax, dmax"},
       sync_key()},
      // The test loops take finite differences of repeated training forwards; those see r and d
      // change with x (and with the running buffers each forward updates), while backward holds them
      // constant. They agree only where r and d are clipped to constants: rmax=1, dmax=0, or inside
      // the warmup. The unclipped regime, warmup ramp and facts are checked in family_facts_test.
      {NormRole::activation,
       /*batch_statistics=*/true,
       /*running_buffers=*/true,
       /*min_rank=*/2,
       "",
       {"batch_renorm:rmax=1,dmax=0", "batch_renorm:rmax=1,dmax=0,momentum=none,eps=1e-3",
        "batch_renorm:warmup=1000000"}, /*includes_activation=*/{}});
}

}  // namespace normlab
