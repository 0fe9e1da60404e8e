// Mean-only batch normalization (Salimans & Kingma, 2016), the companion of weight normalization:
// batch normalization without the division by the standard deviation.
//   training:   y = x - μ_B + bias   per channel, μ_B over N and the spatial dims; the gradient
//               goes through μ_B, so dx = dy - mean(dy) per channel;
//   evaluation: y = x - running_mean + bias, dx = dy.
// running_mean is updated as batch norm updates it: (1 - momentum)·running + momentum·μ_B, or the
// cumulative average with momentum = none.
//
// x: (N, C, *spatial), viewed as (N, C, S) row-major; bias, running_mean, every cache: (C).
#include "norms/kernels/channel_kernels.hpp"
#include "norms/options.hpp"
#include "norms/precise_average.hpp"
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

struct MeanOnlyOptions {
  std::optional<double> momentum;  // none: cumulative average
  bool affine;
  static MeanOnlyOptions parse(const Spec& spec) { return {momentum_or_none(spec), spec.get_bool("affine")}; }
};

template <class T>
class MeanOnlyNorm final : public Normalizer<T> {
 public:
  MeanOnlyNorm(const MeanOnlyOptions& options, const Shape& example)
      : options_(options),
        rank_(example.size()),
        channels_(channels_of_example("mean-only batch norm", example)) {
    const std::size_t C = channels_;
    if (options_.affine) {
      bias_ = bias_grad_ = filled<T>({C}, 0);
    }
    running_mean_ = filled<T>({C}, 0);
    num_batches_tracked_ = filled<T>({}, 0);
    mean_.resize(C), var_.resize(C), ones_.assign(C, 1.0), zeros_.assign(C, 0.0), sum_dy_.resize(C);
    sum_dy_centered_.resize(C), k_.resize(C), affine_steps_.resize(C), grad_steps_.resize(C);
  }

  std::string kind() const override { return "mean_only"; }
  std::string describe() const override {
    return "MeanOnlyBatchNorm(" + std::to_string(channels_) +
           ", momentum=" + (options_.momentum ? format_number(*options_.momentum) : "none") +
           ", affine=" + bool_string(options_.affine) + ")";
  }
  bool has_shift() const override { return options_.affine; }

  std::vector<ParameterRef<T>> parameters() override {
    if (!options_.affine) return {};
    return {{"bias", &bias_, &bias_grad_}};
  }
  // PreciseBN: the running mean of the forwards in between, equal weights (precise_average.hpp).
  void begin_precise_statistics() override { precise_.begin(channels_); }
  void end_precise_statistics() override { precise_.end<T>(&running_mean_, nullptr, &num_batches_tracked_); }
  std::vector<BufferRef<T>> buffers() override {
    return {{"running_mean", &running_mean_}, {"num_batches_tracked", &num_batches_tracked_}};
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode mode) override {
    const auto& shape = x.shape();  // (N, C, *spatial)
    check_channels("mean-only batch norm", shape, rank_, channels_);
    layout_ = {shape[0], channels_, shape_product(shape, 2)};
    training_ = mode == Mode::train;
    if (training_) {
      // var_ is computed alongside and not used: one kernel for the batch mean of every normalizer.
      kernels::channel_moments(mean_.data(), var_.data(), x.data(), layout_);
      if (precise_.active()) {
        precise_.add(mean_.data(), nullptr);
      } else {
        num_batches_tracked_() += T(1);
        const double factor = options_.momentum ? *options_.momentum : 1.0 / double(num_batches_tracked_());
        for (std::size_t c = 0; c < channels_; ++c)
          running_mean_.data()[c] = T((1.0 - factor) * double(running_mean_.data()[c]) + factor * mean_[c]);
      }
    } else {
      for (std::size_t c = 0; c < channels_; ++c)
        mean_[c] = double(running_mean_.data()[c]);
    }
    ensure_shape(y, shape);
    // y = (x - mean)·1 + bias: batch norm's affine step with rstd = 1 and no weight.
    const T* beta = options_.affine ? bias_.data() : nullptr;
    kernels::channel_normalize<T>(y.data(), x.data(), mean_.data(), ones_.data(), nullptr, beta, layout_,
                                  affine_steps_.data());
  }

  // dx = dy                      the direct term
  //    - mean(dy)                through μ_B (training only; the running mean is a constant)
  // dbias = Σ dy  (accumulated).
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    const auto& shape = x.shape();
    check_same_shape("mean-only batch norm backward", "dy", dy.shape(), shape);
    if (shape[0] != layout_.N || shape_product(shape, 2) != layout_.S)
      throw InputError("mean-only batch norm backward: x of shape " + shape_string(shape) +
                       " is not the last forward's input");
    const double count = double(layout_.count_per_channel());
    if (training_ || options_.affine)
      kernels::channel_grad_sums(sum_dy_.data(), sum_dy_centered_.data(), dy.data(), x.data(), mean_.data(),
                                 layout_);
    for (std::size_t c = 0; c < channels_; ++c)
      k_[c] = training_ ? -sum_dy_[c] / count : 0.0;
    ensure_shape(dx, shape);
    // dx = 1·dy + 0·(x - mean) + k
    kernels::channel_input_grad(dx.data(), dy.data(), x.data(), mean_.data(), ones_.data(), zeros_.data(),
                                k_.data(), layout_, grad_steps_.data());
    if (options_.affine)
      for (std::size_t c = 0; c < channels_; ++c)
        bias_grad_.data()[c] += T(sum_dy_[c]);
  }

 private:
  MeanOnlyOptions options_;
  std::size_t rank_, channels_;
  Tensor<T> bias_, bias_grad_, running_mean_;  // (C) each
  Tensor<T> num_batches_tracked_;              // ()
  // (C) each, sized once: the last forward's mean, constants 1 and 0, backward scratch.
  std::vector<double> mean_, var_, ones_, zeros_, sum_dy_, sum_dy_centered_, k_;
  std::vector<kernels::AffineStep<T>> affine_steps_;
  std::vector<kernels::InputGradStep<T>> grad_steps_;
  kernels::ChannelLayout layout_{0, 0, 0};
  bool training_ = true;
  PreciseAverage precise_;
};

}  // namespace

NormalizerInfo mean_only_norm_info() {
  return normalizer_info<MeanOnlyNorm, MeanOnlyOptions>(
      "mean_only",
      "mean-only batch normalization: y = x - μ_B + bias per channel, no variance (Salimans & Kingma 2016); "
      "running_mean in evaluation",
      {{"momentum", "0.1", "running_mean factor, or none for a cumulative average"},
       {"affine", "true", "learnable per-channel bias"}},
      {NormRole::activation,
       /*batch_statistics=*/true,
       /*running_buffers=*/true,
       /*min_rank=*/2,
       "",
       {"mean_only", "mean_only:affine=false", "mean_only:momentum=none"}, /*includes_activation=*/{}});
}

}  // namespace normlab
