// Batch normalization (Ioffe & Szegedy, 2015) with torch.nn.BatchNorm{1,2,3}d's semantics.
//
// x: (N, C, *spatial), viewed as (N, C, S). Statistics per channel over N and S. Training uses
// the batch statistics (biased variance) and updates the running buffers (unbiased variance);
// evaluation uses the running buffers, unless track_running_stats=false.
#include <cmath>

#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"
#include "norms/running_stats.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

template <class T>
class BatchNorm final : public Normalizer<T> {
 public:
  BatchNorm(const RunningStatsOptions& options, const Shape& example)
      : options_(options), rank_(example.size()), channels_(channels_of_example("batch norm", example)) {
    const std::size_t C = channels_;
    if (options_.affine) {
      weight_ = Tensor<T>::from_shape({C});
      weight_.fill(T(1));
      bias_ = Tensor<T>::from_shape({C});
      bias_.fill(T(0));
      weight_grad_ = bias_;
      bias_grad_ = bias_;
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
           ", track_running_stats=" + bool_string(options_.track_running_stats) + ")";
  }
  bool has_shift() const override { return options_.affine; }

  std::vector<ParameterRef<T>> parameters() override {
    if (!options_.affine) return {};
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}};
  }
  std::vector<BufferRef<T>> buffers() override {
    if (!options_.track_running_stats) return {};
    return running_.buffers();
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    const auto& shape = x.shape();  // (N, C, *spatial)
    check_channels("batch norm", shape, rank_, channels_);
    layout_ = {shape[0], channels_, shape_product(shape, 2)};
    used_batch_stats_ = mode == Mode::train || !options_.track_running_stats;
    const std::size_t count = layout_.count_per_channel();
    if (used_batch_stats_) {
      if (count <= 1)
        throw InputError(
            "batch norm: expected more than 1 value per channel when training, got input of shape " +
            shape_string(shape));
      kernels::channel_moments(mean_.data(), var_.data(), x.data(), layout_);
      for (std::size_t c = 0; c < channels_; ++c)
        rstd_[c] = 1.0 / std::sqrt(var_[c] + options_.eps);
      if (mode == Mode::train && options_.track_running_stats) {
        // var_ becomes the unbiased variance here; it is not needed afterwards.
        for (std::size_t c = 0; c < channels_; ++c)
          var_[c] *= double(count) / double(count - 1);
        running_.update(mean_.data(), var_.data());
      }
    } else {
      for (std::size_t c = 0; c < channels_; ++c) {
        mean_[c] = double(running_.mean.data()[c]);
        rstd_[c] = 1.0 / std::sqrt(double(running_.var.data()[c]) + options_.eps);
      }
    }
    ensure_shape(y, shape);
    kernels::channel_normalize(y.data(), x.data(), mean_.data(), rstd_.data(), gamma(), beta(), layout_,
                               affine_steps_.data());
  }

  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    const auto& shape = x.shape();
    check_same_shape("batch norm backward", "dy", dy.shape(), shape);
    if (shape[0] != layout_.N || shape_product(shape, 2) != layout_.S)
      throw InputError("batch norm backward: x of shape " + shape_string(shape) +
                       " is not the last forward's input");
    const double count = double(layout_.count_per_channel());
    const bool need_sums = used_batch_stats_ || options_.affine;
    if (need_sums)
      kernels::channel_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), dy.data(), x.data(), mean_.data(),
                                 layout_);
    for (std::size_t c = 0; c < channels_; ++c) {
      const double g = options_.affine ? double(weight_.data()[c]) : 1.0, r = rstd_[c];
      a_[c] = g * r;  // the direct term: γ·rstd·dy
      if (used_batch_stats_) {
        b_[c] = -g * r * r * r * sum_dy_centered_[c] / count;  // through the variance: -γ·rstd·x̂·mean(dy·x̂)
        k_[c] = -g * r * sum_dy_[c] / count;                   // through the mean: -γ·rstd·mean(dy)
      } else {
        b_[c] = k_[c] = 0;  // running statistics are constants
      }
    }
    ensure_shape(dx, shape);
    kernels::channel_input_grad(dx.data(), dy.data(), x.data(), mean_.data(), a_.data(), b_.data(), k_.data(),
                                layout_, grad_steps_.data());
    if (options_.affine)
      for (std::size_t c = 0; c < channels_; ++c) {
        weight_grad_.data()[c] += T(sum_dy_centered_[c] * rstd_[c]);  // dγ = Σ dy·x̂
        bias_grad_.data()[c] += T(sum_dy_[c]);                        // dβ = Σ dy
      }
  }

 private:
  const T* gamma() const { return options_.affine ? weight_.data() : nullptr; }
  const T* beta() const { return options_.affine ? bias_.data() : nullptr; }

  RunningStatsOptions options_;
  std::size_t rank_, channels_;
  Tensor<T> weight_, bias_, weight_grad_, bias_grad_;  // (C) each
  RunningStats<T> running_;
  // Per-channel caches, (C) each, sized once: statistics of the last forward and backward scratch.
  std::vector<double> mean_, var_, rstd_, sum_dy_, sum_dy_centered_, a_, b_, k_;
  std::vector<kernels::AffineStep<T>> affine_steps_;
  std::vector<kernels::InputGradStep<T>> grad_steps_;
  kernels::ChannelLayout layout_{0, 0, 0};
  bool used_batch_stats_ = true;
};

}  // namespace

NormalizerInfo batch_norm_info() {
  return normalizer_info<BatchNorm, RunningStatsOptions>(
      "batch", "batch normalization: per channel over the batch and spatial dims (torch.nn.BatchNorm2d)",
      running_stats_keys(/*affine=*/true, /*track_running_stats=*/true),
      {NormRole::activation, /*batch_statistics=*/true, /*running_buffers=*/true, /*min_rank=*/2, "",
       {"batch", "batch:affine=false", "batch:track_running_stats=false", "batch:momentum=none,eps=1e-3"}});
}

}  // namespace normlab
