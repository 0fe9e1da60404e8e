// normlab::train: the training loop. Per step: next batch (in the run's order) -> training-mode forward ->
// loss and d(loss)/d(logits) -> (layer statistics) -> zero_grad, backward -> optimizer step
// with the schedule's learning rate. In a data-parallel run each rank takes its share of the batch
// and the gradients are summed over the ranks before the step (data_parallel.hpp). After warm-up a step allocates nothing: the batch, the
// layers' outputs and gradients, the loss gradient and the optimizer state are all reused.
#include <cmath>
#include <limits>

#include "experiments/checkpoint/training_checkpoint.hpp"
#include "experiments/data/batcher.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/optim/clip_grad_norm.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"
#include "experiments/train/batch_dtype.hpp"
#include "experiments/train/data_parallel.hpp"
#include "experiments/train/evaluation.hpp"
#include "experiments/train/layer_stats.hpp"
#include "experiments/train/precise_bn.hpp"
#include "experiments/train/probes/probe_set.hpp"
#include "experiments/train/trainer.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// At most this many training samples are evaluated for the final train metrics.
constexpr std::size_t kFinalTrainEvalLimit = 10000;

template <class T>
void check_compatible(const Model<T>& model, const Dataset& data) {
  if (!model.sample_shape.empty() && model.sample_shape != data.sample_shape)
    throw InputError("the model expects samples of shape " + shape_string(model.sample_shape) + " but dataset '" +
                     data.name + "' has samples of shape " + shape_string(data.sample_shape));
  if (model.num_classes != 0 && model.num_classes != data.num_classes)
    throw InputError("the model has " + std::to_string(model.num_classes) + " outputs but dataset '" + data.name +
                     "' has " + std::to_string(data.num_classes) + " classes");
  if (data.test.size() == 0) throw InputError("dataset '" + data.name + "' has an empty test split");
}

std::size_t total_steps(const TrainOptions& options, std::size_t batches_per_epoch) {
  if (options.steps > 0) return options.steps;
  if (!(options.epochs > 0) || !std::isfinite(options.epochs))
    throw InputError("epochs=" + std::to_string(options.epochs) + " is invalid; expected > 0 (or steps > 0)");
  return std::max<std::size_t>(1, std::size_t(std::llround(options.epochs * double(batches_per_epoch))));
}

bool every(std::size_t step, std::size_t interval) { return interval > 0 && step % interval == 0; }

}  // namespace

template <class T>
TrainResult train(Model<T>& model, const Dataset& data, const TrainOptions& options, MetricSink& caller_sink,
                  const std::function<void(std::size_t, std::size_t)>& progress,
                  const CheckpointOptions& checkpoint, ReplicaGroup* replicas) {
  check_compatible(model, data);
  const LossKind loss_kind = parse_loss(options.loss);
  Batcher batcher(data.train, options.batch_size, options.drop_last, options.seed, options.order);
  const std::size_t steps = total_steps(options, batcher.batches_per_epoch());
  const Schedule schedule = make_schedule(options.schedule, options.lr, steps);
  std::vector<ParameterRef<T>> parameters = model.parameters();
  const std::unique_ptr<Optimizer<T>> optimizer = make_optimizer<T>(options.optimizer, parameters);
  LayerStatsRecorder<T> layer_stats(model);
  ProbeSet<T> probes(model, options, loss_kind);  // instruments; they leave the model as they found it
  DataParallel<T> parallel(model, replicas);        // ranks > 1 (data_parallel.hpp); else no-ops
  if (parallel.active() && (checkpoint.every > 0 || !options.probes.probes.empty() || options.precise_bn > 0))
    throw InputError("checkpoint_every, probes and precise_bn are not supported in data-parallel runs (ranks > 1)");
  // With checkpoints every record is also kept, for the checkpoint to hold; without, records go
  // straight to the caller (a step must not allocate).
  const bool checkpoints = checkpoint.every > 0 && !checkpoint.path.empty();
  RecordKeepingSink recorder(caller_sink);
  MetricSink& sink = checkpoints ? static_cast<MetricSink&>(recorder) : caller_sink;

  // Names built once: metric() takes strings, and a step must not allocate.
  const std::string train_split = "train", test_split = "test";
  const std::string loss_name = "loss", accuracy_name = "accuracy", train_mode_name = "accuracy_train_mode";
  const std::string bits_name = "bits_per_token", grad_norm_name = "grad_norm";  // sequence data: the loss in bits (nats / ln 2)

  Tensor<float> x;    // (B, *sample_shape) as the data set holds it, reused every step
  Tensor<float> x_share;  // (B/K, *sample_shape): this rank's rows of x in a data-parallel run
  std::vector<std::int32_t> labels_share;
  Tensor<T> x_model;  // the same in the model's dtype (batch_dtype.hpp; unused for float)
  std::vector<std::int32_t> labels;
  labels.reserve(options.batch_size);
  Tensor<T> dlogits;  // (B, num_classes)
  EvalScratch<T> scratch;
  TrainResult result;

  Evaluation test;  // the latest test evaluation; the last one is taken at the final step
  auto evaluate_test = [&](std::size_t step) {
    test = evaluate(model, data.test, loss_kind, data.test.size(), scratch);
    sink.metric(step, batcher.epoch(), test_split, loss_name, test.loss);
    sink.metric(step, batcher.epoch(), test_split, accuracy_name, test.accuracy);
    if (data.test.context) sink.metric(step, batcher.epoch(), test_split, bits_name, test.loss / std::log(2.0));
    sink.metric(step, batcher.epoch(), test_split, train_mode_name,
                train_mode_accuracy(model, data.test, options.batch_size, scratch, &parallel));
  };

  TrainingState<T> saved{&model, optimizer.get(), &batcher, &recorder};
  std::size_t first_step = 1;
  if (checkpoints && resume_training_checkpoint(checkpoint, saved)) {
    first_step = saved.step + 1;
    test.loss = saved.last_test_loss;
    test.accuracy = saved.last_test_accuracy;
    result.steps_done = saved.step;
    result.resumed_from_step = saved.step;
  }

  for (std::size_t step = first_step; step <= steps; ++step) {
    batcher.next(x, labels);
    if (parallel.active()) parallel.take_share(x, labels, x_share, labels_share);
    const Tensor<float>& samples = parallel.active() ? x_share : x;
    const std::vector<std::int32_t>& targets = parallel.active() ? labels_share : labels;
    probes.before_forward(step);
    const Tensor<T>& batch = batch_as(samples, x_model);  // (B, *sample_shape) in the model's dtype
    parallel.join();
    const Tensor<T>& logits = model.forward(batch, Mode::train);
    double loss = compute_loss(loss_kind, logits, targets, &dlogits);
    double accuracy = 0;
    if (parallel.active()) {  // the global batch's, on every rank, so that every rank sees a divergence
      const auto global = parallel.global_metrics(loss, count_correct(logits, targets), targets.size());
      loss = global.loss, accuracy = global.accuracy;
    } else if (every(step, options.log_every)) {
      accuracy = double(count_correct(logits, targets)) / double(targets.size());
    }
    if (!std::isfinite(loss)) {
      // Stop at once: the parameters are about to become meaningless.
      sink.metric(step, batcher.epoch(), train_split, loss_name, loss);
      result.status = "diverged";
      result.diverged_step = step;
      result.steps_done = step - 1;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      result.train_loss = result.train_accuracy = result.test_loss = result.test_accuracy = nan;
      return result;
    }
    if (every(step, options.log_every)) {
      sink.metric(step, batcher.epoch(), train_split, loss_name, loss);
      sink.metric(step, batcher.epoch(), train_split, accuracy_name, accuracy);
    }
    // After the training forward, while every layer's last input is this batch's.
    if (every(step, options.stats_every)) layer_stats.record(step, sink);

    if (parallel.active()) {  // the rank's share of the global mean loss
      const T weight = T(parallel.share_weight());
      for (std::size_t i = 0; i < dlogits.size(); ++i) dlogits.data()[i] *= weight;
    }
    model.zero_grad();
    model.backward(dlogits);
    parallel.leave();
    parallel.sum_gradients();
    if (options.clip_grad_norm > 0) {
      const double norm = clip_grad_norm(parameters, options.clip_grad_norm);
      if (every(step, options.log_every)) sink.metric(step, batcher.epoch(), train_split, grad_norm_name, norm);
    }
    const double lr = schedule.lr(step - 1);
    probes.after_backward(step, batch, targets, loss, lr, sink);
    optimizer->step(lr);
    probes.after_update(step, sink);
    parallel.share_buffers();
    result.steps_done = step;

    // PreciseBN (precise_bn.hpp): the final evaluation uses the recomputed running buffers; the
    // EMA buffers' test metrics are kept beside them as split "test_ema".
    if (step == steps && options.precise_bn > 0) {
      const Evaluation ema = evaluate(model, data.test, loss_kind, data.test.size(), scratch);
      sink.metric(step, batcher.epoch(), "test_ema", loss_name, ema.loss);
      sink.metric(step, batcher.epoch(), "test_ema", accuracy_name, ema.accuracy);
      update_precise_statistics(model, data.train, options.batch_size, options.drop_last, options.precise_bn,
                                options.seed);
    }
    if (every(step, options.eval_every) || step == steps) evaluate_test(step);
    if (checkpoints && (every(step, checkpoint.every) || step == steps)) {
      saved.step = step;
      saved.last_test_loss = test.loss;
      saved.last_test_accuracy = test.accuracy;
      save_training_checkpoint(checkpoint, saved);
    }
    if (progress) progress(step, steps);
  }

  const Evaluation final_train = evaluate(model, data.train, loss_kind, kFinalTrainEvalLimit, scratch);
  result.train_loss = final_train.loss;
  result.train_accuracy = final_train.accuracy;
  result.test_loss = test.loss;
  result.test_accuracy = test.accuracy;
  return result;
}

template TrainResult train<float>(Model<float>&, const Dataset&, const TrainOptions&, MetricSink&,
                                  const std::function<void(std::size_t, std::size_t)>&,
                                  const CheckpointOptions&, ReplicaGroup*);
template TrainResult train<double>(Model<double>&, const Dataset&, const TrainOptions&, MetricSink&,
                                   const std::function<void(std::size_t, std::size_t)>&,
                                   const CheckpointOptions&, ReplicaGroup*);

}  // namespace normlab
