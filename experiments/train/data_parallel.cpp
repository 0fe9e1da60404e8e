#include "experiments/train/data_parallel.hpp"

#include <algorithm>
#include <string>

#include "norms/core/errors.hpp"

namespace normlab {

template <class T>
DataParallel<T>::DataParallel(Model<T>& model, ReplicaGroup* group)
    : model_(model), group_(spans_processes(group) ? group : nullptr) {
  if (!group_) return;
  parameters_ = model.parameters();
  buffers_ = model.buffers();
  // Per-sample randomness (dropout masks) must differ between the ranks' shares.
  if (group_->rank() > 0)
    for (const auto& layer : model.layers())
      for (auto& [name, rng] : layer->random_streams())
        *rng = Rng::stream(rng->next_u64(), "rank " + std::to_string(group_->rank()));
}

template <class T>
void DataParallel<T>::take_share(const Tensor<float>& x, const std::vector<std::int32_t>& labels,
                                 Tensor<float>& x_local, std::vector<std::int32_t>& labels_local) {
  const std::size_t B = x.shape()[0], K = group_->size(), r = group_->rank();
  if (B < K)
    throw InputError(
        "a batch of " + std::to_string(B) + " samples cannot be shared by the " + std::to_string(K) +
        " ranks of a data-parallel run (a final partial batch?); use drop_last = true or fewer ranks");
  const std::size_t begin = r * B / K, end = (r + 1) * B / K, n = end - begin;
  const std::size_t sample = x.size() / B, per_sample_labels = labels.size() / B;
  Shape shape = shape_of(x);
  shape[0] = n;
  ensure_shape(x_local, shape);
  std::copy_n(x.data() + begin * sample, n * sample, x_local.data());
  labels_local.assign(labels.begin() + std::ptrdiff_t(begin * per_sample_labels),
                      labels.begin() + std::ptrdiff_t(end * per_sample_labels));
  share_weight_ = double(n) / double(B);
}

template <class T>
void DataParallel<T>::set_group(ReplicaGroup* group) {
  if (!group_) return;
  for (const auto& layer : model_.layers())
    layer->join_replicas(group);
}

template <class T>
void DataParallel<T>::sum_gradients() {
  if (!group_) return;
  flat_.clear();
  for (const auto& p : parameters_)
    flat_.insert(flat_.end(), p.grad->data(), p.grad->data() + p.grad->size());
  sum_in_rank_order(*group_, flat_.data(), flat_.size(), gathered_);
  std::size_t at = 0;
  for (const auto& p : parameters_)
    for (std::size_t i = 0; i < p.grad->size(); ++i)
      p.grad->data()[i] = T(flat_[at++]);
}

template <class T>
void DataParallel<T>::share_buffers() {
  if (!group_ || buffers_.empty()) return;
  flat_.clear();
  for (const auto& b : buffers_)
    flat_.insert(flat_.end(), b.value->data(), b.value->data() + b.value->size());
  group_->broadcast(flat_.data(), flat_.size(), 0);
  std::size_t at = 0;
  for (const auto& b : buffers_)
    for (std::size_t i = 0; i < b.value->size(); ++i)
      b.value->data()[i] = T(flat_[at++]);
}

template <class T>
typename DataParallel<T>::BatchMetrics DataParallel<T>::global_metrics(double local_loss,
                                                                       std::size_t local_correct,
                                                                       std::size_t local_labels) {
  if (!group_) return {local_loss, double(local_correct) / double(local_labels)};
  // (3): labels, loss summed over them, correct ones; summed over the ranks in rank order.
  double mine[3] = {double(local_labels), local_loss * double(local_labels), double(local_correct)};
  sum_in_rank_order(*group_, mine, 3, gathered_);
  return {mine[1] / mine[0], mine[2] / mine[0]};
}

template class DataParallel<float>;
template class DataParallel<double>;

}  // namespace normlab
