// The instruments of one run, called by the trainer at three points of a step (probe.hpp). Every
// call does nothing unless a probe is due at that step (probe_every; init_gradients: step 1).
// After the probes of a point have run, the model's parameters, gradients, running buffers and
// random streams are restored bit for bit, so a run's curves, layer statistics and outcome are
// the same with and without probes (tests/probes/no_perturbation_test.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "experiments/train/probes/probe_registry.hpp"

namespace normlab {

template <class T>
class ProbeSet {
 public:
  // Parses options.probes.probes (InputError naming a bad spec); binds to the model.
  ProbeSet(Model<T>& model, const TrainOptions& options, LossKind loss_kind);
  ~ProbeSet();

  bool empty() const { return probes_.empty(); }
  // Before the step's forward: keeps the buffers and streams the probes' passes replay.
  void before_forward(std::size_t step);
  // After the step's backward, before the optimizer step. x and labels must stay alive until
  // after_update.
  void after_backward(std::size_t step, const Tensor<T>& x, const std::vector<std::int32_t>& labels,
                      double loss, double lr, MetricSink& sink);
  // After the optimizer step.
  void after_update(std::size_t step, MetricSink& sink);

 private:
  struct Entry {
    std::unique_ptr<Probe<T>> probe;
    ProbeTraits traits;
  };
  bool due(const Entry& entry, std::size_t step) const;
  bool any_due(std::size_t step) const;
  ProbeContext<T> context(std::size_t step, MetricSink& sink);

  Model<T>& model_;
  std::vector<Entry> probes_;  // those that read the step's activations first
  std::size_t every_;
  std::vector<double> lrs_;
  std::uint64_t seed_;
  LossKind loss_kind_;
  ModelSnapshot<T> before_forward_, at_step_, after_update_;
  Tensor<T> dlogits_;  // (N, num_classes), the passes' scratch
  const Tensor<T>* x_ = nullptr;
  const std::vector<std::int32_t>* labels_ = nullptr;
  double loss_ = 0, lr_ = 0;
};

}  // namespace normlab
