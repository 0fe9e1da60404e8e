#include "experiments/train/evaluation.hpp"

#include <algorithm>

#include "experiments/data/batcher.hpp"

namespace normlab {

Evaluation evaluate(Model<float>& model, const Split& split, LossKind loss, std::size_t limit, EvalScratch& scratch) {
  const std::size_t count = std::min(limit, split.size());
  Evaluation result;
  if (count == 0) return result;
  double loss_sum = 0;
  std::size_t correct = 0, predictions = 0;  // predictions: labels seen (one per sample, or per token)
  for (std::size_t begin = 0; begin < count; begin += kEvalBatchSize) {
    const std::size_t n = std::min(kEvalBatchSize, count - begin);
    copy_range(split, begin, n, scratch.x, scratch.labels);
    const Tensor<float>& logits = model.forward(scratch.x, Mode::eval);
    const std::size_t labels = scratch.labels.size();
    loss_sum += compute_loss(loss, logits, scratch.labels, static_cast<Tensor<float>*>(nullptr)) * double(labels);
    correct += count_correct(logits, scratch.labels);
    predictions += labels;
  }
  result.loss = loss_sum / double(predictions);
  result.accuracy = double(correct) / double(predictions);
  return result;
}

double train_mode_accuracy(Model<float>& model, const Split& split, std::size_t batch_size, EvalScratch& scratch) {
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
    if (n < 2 && begin > 0) break;  // batch statistics of one sample are degenerate
    copy_range(split, begin, n, scratch.x, scratch.labels);
    correct += count_correct(model.forward(scratch.x, Mode::train), scratch.labels);
    seen += scratch.labels.size();
  }
  for (std::size_t i = 0; i < buffers.size(); ++i)
    std::copy(scratch.saved_buffers[i].data(), scratch.saved_buffers[i].data() + scratch.saved_buffers[i].size(),
              buffers[i].value->data());
  return seen ? double(correct) / double(seen) : 0.0;
}

}  // namespace normlab
