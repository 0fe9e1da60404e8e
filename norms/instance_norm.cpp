// Instance normalization (Ulyanov et al., 2016) as torch.nn.InstanceNorm{1,2,3}d: per sample and
// channel over the spatial dims; group normalization with one channel per group. Affine and
// running statistics are off by default, as in PyTorch. With track_running_stats=true, training
// averages the per-instance statistics over the batch into the running buffers, and evaluation
// normalizes every channel with them (batch normalization's evaluation step).
#include "norms/grouped_norm.hpp"
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"

namespace normlab {

namespace {

std::size_t instance_channels(const Shape& example) {
  if (example.size() < 3 || shape_product(example, 1) == 0)
    throw InputError(
        "instance norm expects input of shape (N, C, *spatial) with at least one spatial dim, got " +
        shape_string(example));
  return example[1];
}

template <class T>
class InstanceNorm final : public GroupedNorm<T> {
 public:
  InstanceNorm(const RunningStatsOptions& options, const Shape& example)
      : GroupedNorm<T>("instance norm", options.eps, options.affine, {instance_channels(example)}),
        options_(options),
        channels_(example[1]),
        rank_(example.size()) {
    running_.momentum = options.momentum;
    if (options.track_running_stats) running_.reset(channels_);
  }

  std::string kind() const override { return "instance"; }
  std::string describe() const override {
    return "InstanceNorm(" + std::to_string(channels_) + ", eps=" + format_number(options_.eps) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           ", affine=" + bool_string(options_.affine) +
           ", track_running_stats=" + bool_string(options_.track_running_stats) + ")";
  }

  std::vector<BufferRef<T>> buffers() override {
    if (!options_.track_running_stats) return {};
    return running_.buffers();
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    used_running_stats_ = mode == Mode::eval && options_.track_running_stats;
    if (!used_running_stats_) {
      if (mode == Mode::train && shape_product(x.shape(), 2) <= 1)
        throw InputError(
            "instance norm: expected more than 1 spatial element when training, got input of shape " +
            shape_string(x.shape()));
      this->forward_with_batch_stats(x, y);
      if (mode == Mode::train && options_.track_running_stats) update_running_stats();
      return;
    }
    this->layout_ = layout_for(x);
    const auto& L = this->layout_;
    channel_layout_ = {L.N, L.C, L.S};
    channel_mean_.resize(channels_), channel_rstd_.resize(channels_), steps_.resize(channels_);
    for (std::size_t c = 0; c < channels_; ++c) {
      channel_mean_[c] = double(running_.mean.data()[c]);
      channel_rstd_[c] = 1.0 / std::sqrt(double(running_.var.data()[c]) + options_.eps);
    }
    ensure_shape(y, x.shape());
    kernels::channel_normalize(y.data(), x.data(), channel_mean_.data(), channel_rstd_.data(), this->gamma(),
                               this->beta(), channel_layout_, steps_.data());
  }

  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    if (!used_running_stats_) return this->backward_with_batch_stats(x, dy, dx);
    // Running statistics are constants: dx = γ·rstd·dy; dγ = Σ dy·x̂ and dβ = Σ dy per channel.
    this->check_last_input(x, dy);
    sum_dy_.resize(channels_), sum_dy_centered_.resize(channels_), a_.resize(channels_),
        zero_.assign(channels_, 0.0);
    grad_steps_.resize(channels_);
    kernels::channel_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), dy.data(), x.data(),
                               channel_mean_.data(), channel_layout_);
    for (std::size_t c = 0; c < channels_; ++c)
      a_[c] = channel_rstd_[c] * (options_.affine ? double(this->weight_.data()[c]) : 1.0);
    ensure_shape(dx, x.shape());
    kernels::channel_input_grad(dx.data(), dy.data(), x.data(), channel_mean_.data(), a_.data(), zero_.data(),
                                zero_.data(), channel_layout_, grad_steps_.data());
    if (options_.affine)
      for (std::size_t c = 0; c < channels_; ++c) {
        this->weight_grad_.data()[c] += T(sum_dy_centered_[c] * channel_rstd_[c]);
        this->bias_grad_.data()[c] += T(sum_dy_[c]);
      }
  }

 protected:
  kernels::GroupLayout layout_for(const Tensor<T>& input) const override {
    const auto& x = input.shape();
    check_channels("instance norm", x, rank_, channels_);
    return {x[0], channels_, shape_product(x, 2), channels_};
  }

 private:
  // The batch's contribution is the mean over n of the per-instance means and of the unbiased
  // per-instance variances (what PyTorch's instance_norm does through batch_norm).
  void update_running_stats() {
    const auto& L = this->layout_;
    channel_mean_.assign(channels_, 0.0);
    std::vector<double>& unbiased_var = a_;
    unbiased_var.assign(channels_, 0.0);
    const double correction = double(L.S) / double(L.S - 1);
    for (std::size_t n = 0; n < L.N; ++n)
      for (std::size_t c = 0; c < channels_; ++c) {
        const double r = this->rstd_[n * channels_ + c];
        channel_mean_[c] += this->mean_[n * channels_ + c];
        unbiased_var[c] += (1.0 / (r * r) - options_.eps) * correction;
      }
    for (std::size_t c = 0; c < channels_; ++c) {
      channel_mean_[c] /= double(L.N);
      unbiased_var[c] /= double(L.N);
    }
    running_.update(channel_mean_.data(), unbiased_var.data());
  }

  RunningStatsOptions options_;
  std::size_t channels_, rank_;
  RunningStats<T> running_;
  bool used_running_stats_ = false;
  kernels::ChannelLayout channel_layout_{0, 0, 0};
  // (C) caches for the running-statistics paths.
  std::vector<double> channel_mean_, channel_rstd_, sum_dy_, sum_dy_centered_, a_, zero_;
  std::vector<kernels::AffineStep<T>> steps_;
  std::vector<kernels::InputGradStep<T>> grad_steps_;
};

}  // namespace

NormalizerInfo instance_norm_info() {
  return normalizer_info<InstanceNorm, RunningStatsOptions>(
      "instance",
      "instance normalization: per sample and channel over the spatial dims (torch.nn.InstanceNorm2d)",
      running_stats_keys(/*affine=*/false, /*track_running_stats=*/false),
      {NormRole::activation, /*batch_statistics=*/false, /*running_buffers=*/false, /*min_rank=*/3, "",
       {"instance", "instance:affine=true", "instance:affine=true,track_running_stats=true"}, /*includes_activation=*/{}});
}

}  // namespace normlab
