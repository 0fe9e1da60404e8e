// Batch normalization (Ioffe & Szegedy, 2015) with torch.nn.BatchNorm{1,2,3}d's semantics.
//
// x: (N, C, *spatial), viewed as (N, C, S). Statistics per channel over N and S. Training uses
// the batch statistics (biased variance) and updates the running buffers (unbiased variance);
// evaluation uses the running buffers, unless track_running_stats=false.
//
// Ghost batch normalization (Hoffer et al., 2017) is the key virtual_batch_size=K (Keras's name):
// in training the batch is split into N/K consecutive chunks of K samples, each normalized
// exactly as batch norm normalizes it alone, in order, so the running buffers are updated once per
// chunk (as calling torch's BatchNorm on each chunk in turn). N must be a multiple of K in
// training; evaluation takes any N and is plain batch norm. Without the key, one chunk of N.
//
// Noisy batch norm (Santurkar et al. 2018) is the keys noise_shift and noise_scale
// (channel_noise.hpp): a random per-channel affine step after the normalization in training.
//
// Data-parallel runs (ranks = K, norms/core/replica_group.hpp), PyTorch's SyncBatchNorm semantics:
//   - sync=true: the training statistics are those of the global batch over all ranks: every
//     rank's count, mean and M2 are merged in rank order as Chan et al.'s parallel variance
//     (count-weighted, so unequal shares are exact), and backward sums Σdy and Σdy·(x - mean)
//     over the ranks. dγ and dβ stay the rank's own sums: the trainer sums parameter gradients.
//   - without sync (per device): each rank normalizes its own samples alone. The running buffers
//     are then updated, on every rank, with every rank's statistics in rank order, as ghost batch
//     norm updates them chunk after chunk; so a K-rank run equals the one-process run with
//     virtual_batch_size = N/K in everything, evaluation included (PyTorch's DDP would instead
//     broadcast rank 0's buffers, which saw a K-th of the samples).
// In a one-process run sync=true is plain batch norm.
#include <algorithm>
#include <cmath>

#include "norms/channel_noise.hpp"
#include "norms/core/replica_group.hpp"
#include "norms/synced_statistics.hpp"
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

struct BatchNormOptions {
  RunningStatsOptions stats;
  std::optional<std::size_t> virtual_batch_size;  // none: the whole batch
  double noise_shift = 0, noise_scale = 0;         // noisy batch norm; 0, 0: none
  bool sync = false;                               // statistics over all ranks of a data-parallel run

  static BatchNormOptions parse(const Spec& spec) {
    BatchNormOptions options{RunningStatsOptions::parse(spec), std::nullopt, spec.get_double("noise_shift"),
                             spec.get_double("noise_scale"), spec.get_bool("sync")};
    if (!(options.noise_shift >= 0) || !std::isfinite(options.noise_shift))
      spec.fail("noise_shift", "must be a number >= 0");
    if (!(options.noise_scale >= 0) || !std::isfinite(options.noise_scale))
      spec.fail("noise_scale", "must be a number >= 0");
    if (spec.raw("virtual_batch_size") != "none") {
      const long k = spec.get_int("virtual_batch_size");
      if (k < 1) spec.fail("virtual_batch_size", "must be >= 1, or none for the whole batch");
      options.virtual_batch_size = std::size_t(k);
      if (options.sync)
        spec.fail("sync", "cannot be combined with virtual_batch_size (ghost batches are per process); use one");
    }
    return options;
  }
};

template <class T>
class BatchNorm final : public Normalizer<T> {
 public:
  BatchNorm(const BatchNormOptions& options, const Shape& example)
      : options_(options.stats),
        virtual_batch_size_(options.virtual_batch_size),
        synced_(options.sync),
        rank_(example.size()),
        channels_(channels_of_example("batch norm", example)),
        noise_(options.noise_shift, options.noise_scale, channels_) {
    const std::size_t C = channels_;
    if (options_.affine) {
      weight_ = filled<T>({C}, 1);
      bias_ = weight_grad_ = bias_grad_ = filled<T>({C}, 0);
    }
    running_.momentum = options_.momentum;
    if (options_.track_running_stats) running_.reset(C);
    mean_.resize(C), var_.resize(C), rstd_.resize(C), sum_dy_.resize(C), sum_dy_centered_.resize(C);
    a_.resize(C), b_.resize(C), k_.resize(C), affine_steps_.resize(C), grad_steps_.resize(C);
  }

  std::string kind() const override { return "batch"; }
  std::string describe() const override {
    return "BatchNorm(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           ", affine=" + bool_string(options_.affine) +
           ", track_running_stats=" + bool_string(options_.track_running_stats) +
           (virtual_batch_size_ ? ", virtual_batch_size=" + std::to_string(*virtual_batch_size_) : "") +
           (noise_.enabled() ? ", noisy" : "") + (synced_.enabled() ? ", sync=true" : "") + ")";
  }
  bool has_random_state() const override { return noise_.enabled(); }
  void reseed(std::uint64_t seed) override { noise_.reseed(seed); }
  bool has_shift() const override { return options_.affine; }
  void join_replicas(ReplicaGroup* group) override {
    synced_.join(group);
  }

  std::vector<ParameterRef<T>> parameters() override {
    if (!options_.affine) return {};
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}};
  }
  void begin_precise_statistics() override { running_.begin_precise(); }
  void end_precise_statistics() override { running_.end_precise(); }
  std::vector<BufferRef<T>> buffers() override {
    std::vector<BufferRef<T>> all;
    if (options_.track_running_stats) all = running_.buffers();
    if (noise_.enabled()) all.push_back({"noise_step", &noise_.count()});
    return all;
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    const auto& shape = x.shape();  // (N, C, *spatial)
    check_channels("batch norm", shape, rank_, channels_);
    const std::size_t N = shape[0];
    chunks_ = 1;
    if (mode == Mode::train && virtual_batch_size_) {
      if (N % *virtual_batch_size_ != 0)
        throw InputError("batch norm: virtual_batch_size=" + std::to_string(*virtual_batch_size_) +
                         " must divide the batch size in training, got input of shape " +
                         shape_string(shape) + " (N=" + std::to_string(N) + ")");
      chunks_ = N / *virtual_batch_size_;
    }
    layout_ = {N / chunks_, channels_, shape_product(shape, 2)};  // one chunk
    used_batch_stats_ = mode == Mode::train || !options_.track_running_stats;
    mean_.resize(chunks_ * channels_);  // no-op once the batch size is steady
    rstd_.resize(chunks_ * channels_);
    unbiased_var_.resize(chunks_ * channels_);
    ensure_shape(y, shape);
    if (synced_.begin_forward(mode)) {
      forward_synchronized(x.data(), y.data());
    } else {
      if (used_batch_stats_ && layout_.count_per_channel() <= 1)
        throw InputError(
            "batch norm: expected more than 1 value per channel when training, got input of shape " +
            shape_string(shape) +
            (chunks_ > 1 ? " in virtual batches of " + std::to_string(layout_.N) : std::string()));
      const std::size_t chunk_size = layout_.N * channels_ * layout_.S;
      for (std::size_t k = 0; k < chunks_; ++k)
        forward_chunk(x.data() + k * chunk_size, y.data() + k * chunk_size, mean_.data() + k * channels_,
                      rstd_.data() + k * channels_, unbiased_var_.data() + k * channels_);
      if (mode == Mode::train && options_.track_running_stats) update_running_per_device();
    }
    noisy_ = noise_.enabled();
    if (noisy_) {
      if (mode == Mode::train)
        noise_.draw();
      else
        noise_.set_expectation();
      noise_.apply(y.data(), N, layout_.S);
    }
  }

  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    const auto& shape = x.shape();
    check_same_shape("batch norm backward", "dy", dy.shape(), shape);
    if (shape[0] != layout_.N * chunks_ || shape_product(shape, 2) != layout_.S)
      throw InputError("batch norm backward: x of shape " + shape_string(shape) +
                       " is not the last forward's input");
    ensure_shape(dx, shape);
    const std::size_t chunk_size = layout_.N * channels_ * layout_.S;
    // Through the noise first: the normalization's output gradient is s_c · dy.
    const T* dy_norm = dy.data();
    if (noisy_) {
      noise_.scale_gradient(dy.data(), shape[0], layout_.S, noisy_dy_);
      dy_norm = noisy_dy_.data();
    }
    for (std::size_t k = 0; k < chunks_; ++k)
      backward_chunk(x.data() + k * chunk_size, dy_norm + k * chunk_size, dx.data() + k * chunk_size,
                     mean_.data() + k * channels_, rstd_.data() + k * channels_);
  }

 private:
  // One (virtual) batch: x, y: (layout_.N, C, S); mean, rstd, unbiased_var: (C) written (the
  // last only with batch statistics, for the running buffers).
  void forward_chunk(const T* x, T* y, double* mean, double* rstd, double* unbiased_var) {
    if (used_batch_stats_) {
      const std::size_t count = layout_.count_per_channel();
      kernels::channel_moments(mean, var_.data(), x, layout_);
      for (std::size_t c = 0; c < channels_; ++c) {
        rstd[c] = 1.0 / std::sqrt(var_[c] + options_.eps);
        unbiased_var[c] = var_[c] * (double(count) / double(count - 1));
      }
    } else {
      for (std::size_t c = 0; c < channels_; ++c) {
        mean[c] = double(running_.mean.data()[c]);
        rstd[c] = 1.0 / std::sqrt(double(running_.var.data()[c]) + options_.eps);
      }
    }
    kernels::channel_normalize(y, x, mean, rstd, gamma(), beta(), layout_, affine_steps_.data());
  }

  // The running buffers after the training forward of this process's chunks, in chunk order; in
  // a data-parallel run every rank applies every rank's chunks, in rank order.
  void update_running_per_device() {
    const std::size_t C = channels_;
    ReplicaGroup* const replicas = synced_.group();
    if (!replicas) {
      for (std::size_t k = 0; k < chunks_; ++k) running_.update(mean_.data() + k * C, unbiased_var_.data() + k * C);
      return;
    }
    const std::size_t K = replicas->size();
    const double chunks = double(chunks_);
    gathered_.resize(K);
    replicas->all_gather(&chunks, 1, gathered_.data());
    for (std::size_t r = 0; r < K; ++r)
      if (gathered_[r] != chunks)  // every rank sees the same counts, so every rank throws
        throw InputError("batch norm: the ranks of a data-parallel run hold different numbers of virtual "
                         "batches (rank " + std::to_string(r) + ": " + format_number(gathered_[r]) +
                         ", rank " + std::to_string(replicas->rank()) + ": " + std::to_string(chunks_) +
                         "); give every rank a multiple of virtual_batch_size");
    // exchange_: (chunks, 2, C): each chunk's mean, then its unbiased variance.
    exchange_.resize(chunks_ * 2 * C);
    for (std::size_t k = 0; k < chunks_; ++k) {
      std::copy_n(mean_.data() + k * C, C, exchange_.data() + (2 * k) * C);
      std::copy_n(unbiased_var_.data() + k * C, C, exchange_.data() + (2 * k + 1) * C);
    }
    gathered_.resize(K * exchange_.size());
    replicas->all_gather(exchange_.data(), exchange_.size(), gathered_.data());
    for (std::size_t r = 0; r < K; ++r)
      for (std::size_t k = 0; k < chunks_; ++k) {
        const double* stats = gathered_.data() + r * exchange_.size() + 2 * k * C;
        running_.update(stats, stats + C);
      }
  }

  // sync=true across ranks: x, y: (N, C, S) of this rank (N may differ between ranks, even be 0);
  // mean_, rstd_: (C) of the global batch.
  void forward_synchronized(const T* x, T* y) {
    const std::size_t C = channels_;
    const double local_count = double(layout_.count_per_channel());
    if (local_count > 0) kernels::channel_moments(mean_.data(), var_.data(), x, layout_);
    global_count_ = synced_.merge_moments(mean_.data(), var_.data(), local_count, C, "batch norm");
    for (std::size_t c = 0; c < C; ++c) {
      rstd_[c] = 1.0 / std::sqrt(var_[c] + options_.eps);
      unbiased_var_[c] = var_[c] * (global_count_ / (global_count_ - 1));
    }
    if (options_.track_running_stats) running_.update(mean_.data(), unbiased_var_.data());
    kernels::channel_normalize(y, x, mean_.data(), rstd_.data(), gamma(), beta(), layout_, affine_steps_.data());
  }

  // The backward of forward_chunk: dx assigned, dγ and dβ accumulated.
  // Synchronized: the sums of the terms through the statistics are over all ranks (count and
  // sums global), dγ and dβ the rank's own.
  void backward_chunk(const T* x, const T* dy, T* dx, const double* mean, const double* rstd) {
    double count = double(layout_.count_per_channel());
    const bool need_sums = used_batch_stats_ || options_.affine;
    if (need_sums) kernels::channel_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), dy, x, mean, layout_);
    const double* sum_dy = sum_dy_.data();
    const double* sum_dy_centered = sum_dy_centered_.data();
    if (synced_.active()) {
      const double* totals = synced_.sum_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), channels_);
      sum_dy = totals, sum_dy_centered = totals + channels_;
      count = global_count_;
    }
    for (std::size_t c = 0; c < channels_; ++c) {
      const double g = options_.affine ? double(weight_.data()[c]) : 1.0, r = rstd[c];
      a_[c] = g * r;  // the direct term: γ·rstd·dy
      if (used_batch_stats_) {
        b_[c] = -g * r * r * r * sum_dy_centered[c] / count;  // through the variance: -γ·rstd·x̂·mean(dy·x̂)
        k_[c] = -g * r * sum_dy[c] / count;                   // through the mean: -γ·rstd·mean(dy)
      } else {
        b_[c] = k_[c] = 0;  // running statistics are constants
      }
    }
    kernels::channel_input_grad(dx, dy, x, mean, a_.data(), b_.data(), k_.data(), layout_,
                                grad_steps_.data());
    if (options_.affine)
      for (std::size_t c = 0; c < channels_; ++c) {
        weight_grad_.data()[c] += T(sum_dy_centered_[c] * rstd[c]);  // dγ = Σ dy·x̂
        bias_grad_.data()[c] += T(sum_dy_[c]);                       // dβ = Σ dy
      }
  }

  const T* gamma() const { return options_.affine ? weight_.data() : nullptr; }
  const T* beta() const { return options_.affine ? bias_.data() : nullptr; }

  RunningStatsOptions options_;
  std::optional<std::size_t> virtual_batch_size_;
  SyncedStatistics synced_;  // sync=true (synced_statistics.hpp)
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, weight_grad_, bias_grad_;  // (C) each
  RunningStats<T> running_;
  // Statistics of the last forward, (chunks·C): one (C) block per virtual batch.
  std::vector<double> mean_, rstd_, unbiased_var_;
  // Per-channel scratch, (C) each, sized once.
  std::vector<double> var_, sum_dy_, sum_dy_centered_, a_, b_, k_;
  std::vector<kernels::AffineStep<T>> affine_steps_;
  std::vector<kernels::InputGradStep<T>> grad_steps_;
  kernels::ChannelLayout layout_{0, 0, 0};  // of one chunk
  std::size_t chunks_ = 1;                  // virtual batches in the last forward
  bool used_batch_stats_ = true;
  ChannelNoise<T> noise_;
  double global_count_ = 0;           // values per channel over all ranks in a synchronized forward
  std::vector<double> exchange_, gathered_;  // per-device running statistics sent to and received from the ranks
  bool noisy_ = false;        // the last forward added noise
  std::vector<T> noisy_dy_;  // (N, C, S): s_c · dy, sized once
};

}  // namespace

NormalizerInfo batch_norm_info() {
  std::vector<KeyInfo> keys = running_stats_keys(/*affine=*/true, /*track_running_stats=*/true);
  keys.push_back(
      {"virtual_batch_size", "none",
       "ghost batch norm: in training, normalize each of N/K consecutive chunks of K samples alone "
       "(N must be a multiple of K); none: the whole batch"});
  keys.push_back({"noise_shift", "0",
                  "noisy batch norm (Santurkar et al. 2018): in training add m_c ~ U(-noise_shift, noise_shift) per "
                  "channel and step after normalizing"});
  keys.push_back({"noise_scale", "0",
                  "noisy batch norm: in training multiply by s_c ~ U(1, 1 + noise_scale) per channel and step (evaluation: by its mean)"});
  keys.push_back(sync_key());
  // virtual_batch_size is not among the examples: no K divides every test loop's batch size; ghost
  // batch norm is checked in family_facts_test.
  return normalizer_info<BatchNorm, BatchNormOptions>(
      "batch", "batch normalization: per channel over the batch and spatial dims (torch.nn.BatchNorm2d)",
      keys,
      {NormRole::activation, /*batch_statistics=*/true, /*running_buffers=*/true, /*min_rank=*/2, "",
       {"batch", "batch:affine=false", "batch:track_running_stats=false", "batch:momentum=none,eps=1e-3"}, /*includes_activation=*/{}});
}

}  // namespace normlab
