#include "experiments/data/batcher.hpp"

#include <cstring>
#include <numeric>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// Makes x (count, *sample_shape) of the split, comparing shapes in place so that an unchanged
// batch shape costs no allocation; returns the number of values per sample.
std::size_t resize_batch(const Split& split, std::size_t count, Tensor<float>& x) {
  if (split.context) {
    if (x.dimension() != 2 || x.shape()[0] != count || x.shape()[1] != split.context) x.resize({count, split.context});
    return split.context;
  }
  const auto& sample = split.x.shape();
  bool same = x.dimension() == split.x.dimension() && x.shape()[0] == count;
  for (std::size_t d = 1; same && d < split.x.dimension(); ++d) same = x.shape()[d] == sample[d];
  if (!same) {
    Shape shape(sample.begin(), sample.end());
    shape[0] = count;
    x.resize(shape);
  }
  return split.size() ? split.x.size() / split.size() : 0;
}

// Window `index` of a sequence split: its token ids into x (context) and the next tokens into labels.
void copy_window(const Split& split, std::size_t index, float* x, std::int32_t* labels) {
  const std::int32_t* tokens = split.tokens.data() + index * split.stride;
  for (std::size_t t = 0; t < split.context; ++t) {
    x[t] = float(tokens[t]);
    labels[t] = tokens[t + 1];
  }
}

}  // namespace

void gather(const Split& split, const std::size_t* indices, std::size_t count, Tensor<float>& x,
            std::vector<std::int32_t>& labels) {
  const std::size_t sample_size = resize_batch(split, count, x);
  if (split.context) {
    labels.resize(count * split.context);
    for (std::size_t i = 0; i < count; ++i)
      copy_window(split, indices[i], x.data() + i * sample_size, labels.data() + i * split.context);
    return;
  }
  labels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(x.data() + i * sample_size, split.x.data() + indices[i] * sample_size, sample_size * sizeof(float));
    labels[i] = split.labels[indices[i]];
  }
}

void copy_range(const Split& split, std::size_t begin, std::size_t count, Tensor<float>& x,
                std::vector<std::int32_t>& labels) {
  const std::size_t sample_size = resize_batch(split, count, x);
  if (split.context) {
    labels.resize(count * split.context);
    for (std::size_t i = 0; i < count; ++i)
      copy_window(split, begin + i, x.data() + i * sample_size, labels.data() + i * split.context);
    return;
  }
  std::memcpy(x.data(), split.x.data() + begin * sample_size, count * sample_size * sizeof(float));
  labels.assign(split.labels.begin() + long(begin), split.labels.begin() + long(begin + count));
}

Batcher::Batcher(const Split& split, std::size_t batch_size, bool drop_last, std::uint64_t seed)
    : split_(split), batch_size_(batch_size), rng_(Rng::stream(seed, "shuffle")) {
  if (batch_size == 0) throw InputError("batch_size=0 is invalid; expected >= 1");
  if (split.size() == 0) throw InputError("the training split is empty");
  if (drop_last && split.size() < batch_size)
    throw InputError("batch_size=" + std::to_string(batch_size) + " exceeds the " + std::to_string(split.size()) +
                     " training samples with drop_last=true; use a smaller batch");
  batches_per_epoch_ = drop_last ? split.size() / batch_size : (split.size() + batch_size - 1) / batch_size;
  order_.resize(split.size());
  std::iota(order_.begin(), order_.end(), 0);
  shuffle();
}

void Batcher::shuffle() {
  // Fisher-Yates, continuing the one stream across epochs.
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
}

void Batcher::restore(const State& state) {
  std::vector<bool> seen(order_.size(), false);
  bool permutation = state.order.size() == order_.size();
  for (std::size_t i = 0; permutation && i < state.order.size(); ++i)
    permutation = state.order[i] < seen.size() && !seen[state.order[i]] && (seen[state.order[i]] = true);
  if (!permutation || state.position > batches_per_epoch_)
    throw InputError("the saved batcher state does not fit a training split of " + std::to_string(order_.size()) +
                     " samples in batches of " + std::to_string(batch_size_));
  rng_.restore(state.rng);
  order_ = state.order;
  batches_served_ = state.batches_served;
  position_ = state.position;
}

void Batcher::next(Tensor<float>& x, std::vector<std::int32_t>& labels) {
  if (position_ == batches_per_epoch_) {
    position_ = 0;
    shuffle();
  }
  const std::size_t begin = position_ * batch_size_;
  const std::size_t count = std::min(batch_size_, order_.size() - begin);
  gather(split_, order_.data() + begin, count, x, labels);
  ++position_;
  ++batches_served_;
}

}  // namespace normlab
