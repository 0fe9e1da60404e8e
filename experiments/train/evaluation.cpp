#include "experiments/train/evaluation.hpp"

#include <algorithm>

#include "experiments/data/batcher.hpp"
#include "experiments/train/batch_dtype.hpp"

namespace normlab {

template <class T>
Evaluation evaluate(Model<T>& model, const Split& split, LossKind loss, std::size_t limit,
                    EvalScratch<T>& scratch) {
  const std::size_t count = std::min(limit, split.size());
  Evaluation result;
  if (count == 0) return result;
  double loss_sum = 0;
  std::size_t correct = 0, predictions = 0;  // predictions: labels seen (one per sample, or per token)
  for (std::size_t begin = 0; begin < count; begin += kEvalBatchSize) {
    const std::size_t n = std::min(kEvalBatchSize, count - begin);
    copy_range(split, begin, n, scratch.x, scratch.labels);
    const Tensor<T>& logits = model.forward(batch_as(scratch.x, scratch.x_model), Mode::eval);
    const std::size_t labels = scratch.labels.size();  // n, or n·T for per-token labels
    loss_sum += compute_loss(loss, logits, scratch.labels, static_cast<Tensor<T>*>(nullptr)) * double(labels);
    correct += count_correct(logits, scratch.labels);
    predictions += labels;
  }
  result.loss = loss_sum / double(predictions);
  result.accuracy = double(correct) / double(predictions);
  return result;
}

template <class T>
double train_mode_accuracy(Model<T>& model, const Split& split, std::size_t batch_size,
                           EvalScratch<T>& scratch, DataParallel<T>* parallel) {
  const bool shared = parallel && parallel->active();
  const auto buffers = model.buffers();
  scratch.saved_buffers.resize(buffers.size());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    ensure_shape(scratch.saved_buffers[i], shape_of(*buffers[i].value));
    std::copy(buffers[i].value->data(), buffers[i].value->data() + buffers[i].value->size(),
              scratch.saved_buffers[i].data());
  }
  std::size_t correct = 0, seen = 0;
  for (std::size_t begin = 0; begin < split.size(); begin += batch_size) {
    const std::size_t n = std::min(batch_size, split.size() - begin);
    // Batch statistics of one sample (per rank) are degenerate.
    if (n < 2 * (shared ? parallel->ranks() : 1) && begin > 0) break;
    copy_range(split, begin, n, scratch.x, scratch.labels);
    if (shared) parallel->take_share(scratch.x, scratch.labels, scratch.x_share, scratch.labels_share);
    const Tensor<float>& samples = shared ? scratch.x_share : scratch.x;
    const std::vector<std::int32_t>& labels = shared ? scratch.labels_share : scratch.labels;
    if (shared) parallel->join();
    correct += count_correct(model.forward(batch_as(samples, scratch.x_model), Mode::train), labels);
    if (shared) parallel->leave();
    seen += labels.size();
  }
  for (std::size_t i = 0; i < buffers.size(); ++i)
    std::copy(scratch.saved_buffers[i].data(), scratch.saved_buffers[i].data() + scratch.saved_buffers[i].size(),
              buffers[i].value->data());
  if (shared) return parallel->global_metrics(0, correct, seen).accuracy;
  return seen ? double(correct) / double(seen) : 0.0;
}

template Evaluation evaluate<float>(Model<float>&, const Split&, LossKind, std::size_t, EvalScratch<float>&);
template Evaluation evaluate<double>(Model<double>&, const Split&, LossKind, std::size_t,
                                     EvalScratch<double>&);
template double train_mode_accuracy<float>(Model<float>&, const Split&, std::size_t, EvalScratch<float>&,
                                           DataParallel<float>*);
template double train_mode_accuracy<double>(Model<double>&, const Split&, std::size_t, EvalScratch<double>&,
                                            DataParallel<double>*);

}  // namespace normlab
