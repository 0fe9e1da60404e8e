// The run function of `normlab run`: a run's dataset comes from (data spec, seed) alone, its
// model is built from the model options with the initialization stream Rng::stream(seed, "init"),
// and the trainer does the rest. Datasets are shared between runs with the same (spec, seed) and
// dropped when no pending run needs them any more.
#pragma once

#include <memory>
#include <vector>

#include "experiments/harness/sweep_runner.hpp"

namespace normlab {

class DatasetCache;

class TrainingRuns {
 public:
  TrainingRuns();
  ~TrainingRuns();
  // The runs that will be executed (to know when a dataset is needed no more).
  void expect(const std::vector<const RunConfig*>& pending);
  // replicas: the processes of a data-parallel run (ranks > 1), each making this same call; null
  // for a one-process run.
  TrainResult operator()(const RunConfig& run, MetricSink& sink, const StepProgress& progress,
                         ReplicaGroup* replicas = nullptr);

 private:
  std::shared_ptr<DatasetCache> cache_;
};

}  // namespace normlab
