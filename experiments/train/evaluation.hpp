// Evaluation passes of the trainer. Batching depends only on the arguments (never on thread
// count or on anything the run did before), so evaluations are reproducible.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/data/dataset.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/data_parallel.hpp"

namespace normlab {

// Batch size of evaluation-mode passes. In evaluation mode a sample's output does not depend on
// the rest of its batch, so this only trades memory for speed; it is fixed so that results never
// depend on anything but the options. Every layer keeps its output at this batch size after an
// evaluation (a ResNet-20 of width 16 on 32x32 inputs: about 0.5 GB), hence not larger.
constexpr std::size_t kEvalBatchSize = 250;

struct Evaluation {
  double loss = 0, accuracy = 0;
};

// Reusable buffers, so that repeated evaluations allocate only on their first pass. T is the
// model's dtype (float or double); the data sets hold float samples.
template <class T = float>
struct EvalScratch {
  Tensor<float> x;    // (B, *sample_shape), as the data set holds it
  Tensor<T> x_model;  // (B, *sample_shape): x in the model's dtype (unused for float)
  std::vector<std::int32_t> labels;
  std::vector<Tensor<T>> saved_buffers;  // copies of the model's running buffers
  Tensor<float> x_share;                  // (B/K, *sample_shape): a rank's rows of x (data-parallel)
  std::vector<std::int32_t> labels_share;
};

// Evaluation mode over samples [0, min(limit, size)) of `split`, in batches of kEvalBatchSize.
template <class T>
Evaluation evaluate(Model<T>& model, const Split& split, LossKind loss, std::size_t limit,
                    EvalScratch<T>& scratch);

// Accuracy in TRAINING mode (batch statistics) over `split`, in consecutive batches of
// `batch_size` (a final partial batch is used if it has at least 2 samples). The model's running
// buffers are saved before and restored after, so the pass leaves them unchanged; only the
// accuracy gap between training and evaluation mode is measured. (A dropout layer's random
// stream does advance.) parallel: in a data-parallel run each batch is shared by the ranks as a
// training batch is, so the normalizers see what they see in training (their rank's share, or the
// synchronized batch); every rank gets the accuracy over the whole split.
template <class T>
double train_mode_accuracy(Model<T>& model, const Split& split, std::size_t batch_size,
                           EvalScratch<T>& scratch, DataParallel<T>* parallel = nullptr);

}  // namespace normlab
