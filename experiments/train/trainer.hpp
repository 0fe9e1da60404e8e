// The trainer: runs a model on a dataset in training mode for a number of steps, evaluates it in
// evaluation mode on the test split at an interval, and reports every metric through one sink.
// A run is fully determined by its options (seed included) and the dataset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/data/data_order.hpp"
#include "experiments/data/dataset.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/probes/probe_options.hpp"

namespace normlab {

struct TrainOptions {
  std::size_t batch_size = 32;
  double lr = 0.1;
  DataOrder order;                   // training sample order (data_order.hpp); shuffled by default
  std::string optimizer = "sgd";     // optimizer spec, e.g. "sgd:momentum=0.9,nesterov=true", "adamw"
  std::string schedule = "constant"; // schedule spec, e.g. "cosine", "step:step_size=100,gamma=0.1"
  std::size_t steps = 0;             // total optimizer steps; 0 means use `epochs`
  double epochs = 1;                 // used when steps == 0
  std::size_t eval_every = 100;      // steps between test evaluations (and one at the end)
  std::size_t log_every = 1;         // steps between training-loss records
  std::size_t stats_every = 0;       // steps between layer statistics records; 0 = never
  std::size_t precise_bn = 0;        // PreciseBN over this many batches before the final evaluation; 0 = off
  bool drop_last = true;             // drop a final partial batch (a batch of 1 breaks batch norm)
  double clip_grad_norm = 0;         // clip the gradients' global norm to this before each step; 0 = off
  std::string loss = "cross_entropy";  // cross_entropy | mse (on one-hot targets)
  std::uint64_t seed = 0;            // shuffling and dropout streams derive from it
  ProbeOptions probes;               // instruments (experiments/train/probes/); none by default
};

// Receives every record of a run. split is "train" or "test"; metric is "loss", "accuracy", ...
class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual void metric(std::size_t step, double epoch, const std::string& split, const std::string& metric,
                      double value) = 0;
  // Statistics of a normalization layer's input: stat is "mean", "std", "p15", "p50", "p85".
  virtual void layer_stat(std::size_t step, const std::string& layer, const std::string& stat, double value) = 0;
  // A record of an instrument (probes.csv): layer is a layer or parameter name, or "model".
  // Sinks that keep no probe records need not override it.
  virtual void probe(std::size_t /*step*/, const std::string& /*layer*/, const std::string& /*probe*/,
                     const std::string& /*stat*/, double /*value*/) {}
};

struct TrainResult {
  std::string status = "ok";      // ok | diverged
  std::size_t steps_done = 0;
  std::size_t diverged_step = 0;  // the step whose loss was NaN or infinite
  double train_loss = 0, train_accuracy = 0;  // evaluation mode on the training split (at most 10,000 samples)
  double test_loss = 0, test_accuracy = 0;    // evaluation mode on the test split
  std::size_t resumed_from_step = 0;  // the checkpoint's step when the run resumed from one, else 0
};

// Checkpoints of a run (experiments/checkpoint/training_checkpoint.hpp). Kept out of
// TrainOptions on purpose: they change where a run's progress is kept, never what it produces.
struct CheckpointOptions {
  std::string path;       // the checkpoint file, resumed from when it exists; empty = none
  std::size_t every = 0;  // steps between checkpoints (and one at the final step); 0 = none
  std::vector<std::pair<std::string, std::string>> metadata;  // added to the file's __metadata__
};

// progress(step, total) is called after every step (may be empty). T is the model's dtype, float
// or double (the sweep key dtype); the data set's float samples are converted per batch.
// replicas: the processes of a data-parallel run (ranks > 1, data_parallel.hpp), each calling
// train() with the same arguments; null for a one-process run.
template <class T>
TrainResult train(Model<T>& model, const Dataset& data, const TrainOptions& options, MetricSink& sink,
                  const std::function<void(std::size_t, std::size_t)>& progress = {},
                  const CheckpointOptions& checkpoint = {}, ReplicaGroup* replicas = nullptr);

}  // namespace normlab
