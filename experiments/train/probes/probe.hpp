// The instruments of a run (sweep key `probes`): each measures something about the training step
// it is called at and reports tidy rows (step, layer, probe, stat, value) through the MetricSink.
//
// When a probe runs within a step (trainer.cpp):
//   next batch -> [ProbeSet::before_forward] -> forward, loss, backward
//   -> [before_update probes: w and g = this step's parameters and gradient]
//   -> optimizer step -> [after_update probes: also the updated parameters]
// A probe may run passes of its own (ProbeContext::loss_at) and may leave the model in any state:
// the ProbeSet restores parameters, gradients, running buffers and random streams afterwards
// (model_snapshot.hpp), so training goes on as if no probe had run. Probes never see the
// optimizer, the batcher or the schedule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/losses/loss.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/probes/model_snapshot.hpp"
#include "experiments/train/trainer.hpp"

namespace normlab {

template <class T>
struct ProbeContext {
  Model<T>& model;
  const std::vector<ParameterRef<T>>& parameters;  // the model's, in ModelSnapshot order
  // The model just before this step's forward: its buffers and random streams (replayed by
  // every pass, so that a pass is a deterministic function of the parameters alone).
  const ModelSnapshot<T>& before_forward;
  // After this step's backward: w (parameter_values) and g (gradient_values) of the step.
  const ModelSnapshot<T>& at_step;
  // After the optimizer step (after_update probes only): the updated parameters.
  const ModelSnapshot<T>* after_update = nullptr;
  const Tensor<T>& x;                       // the step's batch, (N, *sample_shape)
  const std::vector<std::int32_t>& labels;  // (N)
  LossKind loss_kind;
  double loss = 0;  // the step's training loss at w
  double lr = 0;    // the step's learning rate (after the schedule)
  std::size_t step = 0;
  std::uint64_t seed = 0;          // the run's seed, for a probe's own random stream
  const std::vector<double>& lrs;  // probe_lrs: the eta grid as multiples of lr
  Tensor<T>& dlogits;              // scratch of the passes, (N, num_classes)
  MetricSink& sink;

  // One training-mode pass on the step's batch at the model's current parameters, with the
  // buffers and random streams of the step's own forward (dropout draws the same masks, batch
  // norm normalizes with the batch's statistics as the step did). Returns the loss; with
  // `gradient`, the parameters' grads are then the gradient at the current parameters.
  double loss_at(bool gradient) {
    before_forward.restore(ModelSnapshot<T>::buffers | ModelSnapshot<T>::streams);
    const Tensor<T>& logits = model.forward(x, Mode::train);
    const double value = compute_loss(loss_kind, logits, labels, gradient ? &dlogits : nullptr);
    if (gradient) {
      model.zero_grad();
      model.backward(dlogits);
    }
    return value;
  }
};

template <class T>
class Probe {
 public:
  virtual ~Probe() = default;
  virtual void before_update(ProbeContext<T>& /*context*/) {}
  virtual void after_update(ProbeContext<T>& /*context*/) {}
};

}  // namespace normlab
