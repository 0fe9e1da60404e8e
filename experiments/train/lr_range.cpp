#include "experiments/train/lr_range.hpp"

#include <cmath>
#include <limits>

#include "experiments/data/batcher.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/train/batch_dtype.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

void check_lr_range_options(const LrRangeOptions& o) {
  if (!(o.min_lr > 0) || !std::isfinite(o.min_lr)) throw InputError("--min-lr must be a number > 0");
  if (!(o.max_lr > o.min_lr) || !std::isfinite(o.max_lr))
    throw InputError("--max-lr must be a number > --min-lr");
  if (o.steps < 2) throw InputError("--steps must be an integer >= 2");
  if (!(o.smoothing >= 0 && o.smoothing < 1)) throw InputError("--smoothing must be a number in [0, 1)");
  if (!(o.divergence_factor > 1) || !std::isfinite(o.divergence_factor))
    throw InputError("the divergence factor must be a number > 1");
}

template <class T>
LrRangeResult lr_range_test(Model<T>& model, const Dataset& data, const TrainOptions& train,
                            const LrRangeOptions& options) {
  check_lr_range_options(options);
  const LossKind loss_kind = parse_loss(train.loss);
  Batcher batcher(data.train, train.batch_size, train.drop_last, train.seed);
  std::vector<ParameterRef<T>> parameters = model.parameters();
  const std::unique_ptr<Optimizer<T>> optimizer = make_optimizer<T>(train.optimizer, parameters);
  Tensor<float> x;    // (B, *sample_shape) as the data set holds it
  Tensor<T> x_model;  // the same in the model's dtype (unused for float)
  Tensor<T> dlogits;  // (B, num_classes)
  std::vector<std::int32_t> labels;

  LrRangeResult result;
  result.lr_diverged = std::numeric_limits<double>::quiet_NaN();
  result.min_smoothed_loss = std::numeric_limits<double>::infinity();
  const double ratio = std::log(options.max_lr / options.min_lr) / double(options.steps - 1);
  double average = 0, correction = 1;
  for (std::size_t s = 0; s < options.steps; ++s) {
    const double lr = options.min_lr * std::exp(ratio * double(s));
    batcher.next(x, labels);
    const double loss = compute_loss(loss_kind, model.forward(batch_as(x, x_model), Mode::train), labels, &dlogits);
    average = options.smoothing * average + (1 - options.smoothing) * loss;
    correction *= options.smoothing;
    const double smoothed = average / (1 - correction);
    result.points.push_back({s + 1, lr, loss, smoothed});
    if (!std::isfinite(loss) || !std::isfinite(smoothed) ||
        smoothed > options.divergence_factor * result.min_smoothed_loss) {
      result.lr_diverged = lr;
      result.diverged_step = s + 1;
      break;
    }
    if (smoothed < result.min_smoothed_loss) {
      result.min_smoothed_loss = smoothed;
      result.lr_max_decreasing = lr;
    }
    model.zero_grad();
    model.backward(dlogits);
    optimizer->step(lr);
  }
  return result;
}

template LrRangeResult lr_range_test<float>(Model<float>&, const Dataset&, const TrainOptions&, const LrRangeOptions&);
template LrRangeResult lr_range_test<double>(Model<double>&, const Dataset&, const TrainOptions&,
                                             const LrRangeOptions&);

}  // namespace normlab
