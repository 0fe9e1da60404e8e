// A training run's checkpoint: everything that decides the rest of the run, so that a run
// resumed from it produces exactly the records and final metrics of an uninterrupted run.
//
//   model            parameters, buffers and dropout streams (model_tensors.hpp)
//   optimizer.*      "optimizer.<param>.momentum_buffer" / ".exp_avg", ".exp_avg_sq"; "optimizer.step"
//   batcher.*        the epoch's sample order, its position, batches served, the shuffle stream
//   train.step       the last finished step; train.last_test: its latest test loss and accuracy
//   records.*        every metric and layer-statistics record so far (kind, step, epoch, names, value)
//   __metadata__     format, result_version, step, record_names, and what the caller adds (run id,
//                    model spec, norm, placement, bias, init, data, sample_shape, num_classes)
//
// The learning-rate schedule is a function of the step, so the step restores it. The file is
// written atomically (a temporary file, fsync, rename, directory fsync): a kill at any moment
// leaves the previous checkpoint or the new one, never a torn file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "experiments/checkpoint/recording_sink.hpp"
#include "experiments/data/batcher.hpp"
#include "experiments/models/model.hpp"
#include "experiments/optim/optimizer.hpp"
#include "norms/core/safetensors.hpp"

namespace normlab {

// "normlab.checkpoint": the __metadata__ "format" of normlab's checkpoints.
extern const char* const kCheckpointFormat;

template <class T>  // float or double: the run's dtype, which its tensors are stored in
struct TrainingState {
  Model<T>* model = nullptr;
  Optimizer<T>* optimizer = nullptr;
  Batcher* batcher = nullptr;
  RecordKeepingSink* records = nullptr;
  std::size_t step = 0;  // the last finished step
  double last_test_loss = 0, last_test_accuracy = 0;
};

template <class T>
void save_training_checkpoint(const CheckpointOptions& options, const TrainingState<T>& state);

// When options.path exists: restores `state` from it (model, optimizer, batcher, step, last
// test evaluation), emits its records again through state.records, and returns true. An
// unreadable checkpoint, or one of another run or normlab result version, is an InputError.
template <class T>
bool resume_training_checkpoint(const CheckpointOptions& options, TrainingState<T>& state);

// Reads a checkpoint and checks that it is normlab's and of this result version (InputError
// naming the file otherwise).
SafetensorsFile read_checkpoint(const std::string& path);

}  // namespace normlab
