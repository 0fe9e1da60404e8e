#include "experiments/data/batcher.hpp"

#include <algorithm>
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
  for (std::size_t d = 1; same && d < split.x.dimension(); ++d)
    same = x.shape()[d] == sample[d];
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
    std::memcpy(x.data() + i * sample_size, split.x.data() + indices[i] * sample_size,
                sample_size * sizeof(float));
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

Batcher::Batcher(const Split& split, std::size_t batch_size, bool drop_last, std::uint64_t seed,
                 DataOrder order)
    : split_(split), batch_size_(batch_size), data_order_(order), rng_(Rng::stream(seed, "shuffle")) {
  if (batch_size == 0) throw InputError("batch_size=0 is invalid; expected >= 1");
  if (split.size() == 0) throw InputError("the training split is empty");
  if (drop_last && split.size() < batch_size)
    throw InputError("batch_size=" + std::to_string(batch_size) + " exceeds the " +
                     std::to_string(split.size()) +
                     " training samples with drop_last=true; use a smaller batch");
  batches_per_epoch_ = drop_last ? split.size() / batch_size : (split.size() + batch_size - 1) / batch_size;
  order_.resize(split.size());
  std::iota(order_.begin(), order_.end(), 0);
  if (order.kind != DataOrder::Kind::shuffled) {
    std::size_t classes = 0;
    for (const std::int32_t label : split.labels) {
      if (label < 0) throw InputError("a training label is negative (" + std::to_string(label) + ")");
      classes = std::max(classes, std::size_t(label) + 1);
    }
    const std::size_t k = order.classes_per_batch;
    if (order.kind == DataOrder::Kind::class_blocks && (k > classes || k > batch_size))
      throw InputError(
          "order=" + data_order_name(order) + " needs " + std::to_string(k) +
          " classes in every batch, but the training split has " + std::to_string(classes) +
          " classes and a batch " + std::to_string(batch_size) +
          " samples; use class_blocks:K with K <= " + std::to_string(std::min(classes, batch_size)));
    // Counting sort by class, stable: by_class_ lists class 0's samples, then class 1's, ...
    class_begin_.assign(classes + 1, 0);
    for (const std::int32_t label : split.labels)
      ++class_begin_[std::size_t(label) + 1];
    std::partial_sum(class_begin_.begin(), class_begin_.end(), class_begin_.begin());
    std::vector<std::size_t> next_slot(class_begin_.begin(), class_begin_.end() - 1);
    by_class_.resize(split.size());
    for (std::size_t i = 0; i < split.size(); ++i)
      by_class_[next_slot[std::size_t(split.labels[i])]++] = i;
    pool_ = by_class_;
    taken_.resize(classes);
    tie_break_.resize(classes);
    chosen_.resize(k);
  }
  new_epoch_order();
}

void Batcher::new_epoch_order() {
  switch (data_order_.kind) {
    case DataOrder::Kind::shuffled:
      shuffle();
      break;
    case DataOrder::Kind::class_sorted:
      shuffle_within_classes();
      std::copy(pool_.begin(), pool_.end(), order_.begin());
      break;
    case DataOrder::Kind::class_blocks:
      shuffle_within_classes();
      class_blocks();
      break;
  }
}

void Batcher::shuffle() {
  // Fisher-Yates, continuing the one stream across epochs.
  for (std::size_t i = order_.size(); i > 1; --i)
    std::swap(order_[i - 1], order_[rng_.below(i)]);
}

void Batcher::shuffle_within_classes() {
  // From the sorted list each epoch (not from last epoch's pool), so that the stream alone
  // determines the epoch and a checkpoint needs to hold nothing more.
  std::copy(by_class_.begin(), by_class_.end(), pool_.begin());
  for (std::size_t c = 0; c + 1 < class_begin_.size(); ++c) {
    std::size_t* first = pool_.data() + class_begin_[c];
    for (std::size_t i = class_begin_[c + 1] - class_begin_[c]; i > 1; --i)
      std::swap(first[i - 1], first[rng_.below(i)]);
  }
}

void Batcher::class_blocks() {
  // Batch after batch: the K classes with the most samples left (ties broken by a fresh random key
  // per class and batch, so that the pairings change), batch_size / K samples from each; a class
  // that runs short is topped up from the classes with the most left (only near an epoch's end).
  const std::size_t classes = taken_.size();
  std::fill(taken_.begin(), taken_.end(), 0);
  auto left = [&](std::size_t c) { return class_begin_[c + 1] - class_begin_[c] - taken_[c]; };
  auto before = [&](std::size_t a, std::size_t b) {
    return left(a) != left(b) ? left(a) > left(b) : tie_break_[a] > tie_break_[b];
  };
  std::size_t placed = 0;
  auto take = [&](std::size_t c, std::size_t count) {
    const std::size_t* from = pool_.data() + class_begin_[c] + taken_[c];
    std::copy(from, from + count, order_.data() + placed);
    taken_[c] += count;
    placed += count;
  };
  while (placed < order_.size()) {
    const std::size_t batch_end = placed + std::min(batch_size_, order_.size() - placed);
    for (std::size_t c = 0; c < classes; ++c)
      tie_break_[c] = rng_.next_u64();
    std::size_t picked = 0;
    for (; picked < chosen_.size(); ++picked) {
      std::size_t best = classes;
      for (std::size_t c = 0; c < classes; ++c) {
        const auto chosen_end = chosen_.begin() + long(picked);
        const bool already = std::find(chosen_.begin(), chosen_end, c) != chosen_end;
        if (left(c) > 0 && !already && (best == classes || before(c, best))) best = c;
      }
      if (best == classes) break;
      chosen_[picked] = best;
    }
    const std::size_t batch = batch_end - placed;
    for (std::size_t i = 0; i < picked; ++i) {
      const std::size_t share = batch / picked + (i < batch % picked ? 1 : 0);
      take(chosen_[i], std::min(share, left(chosen_[i])));
    }
    while (placed < batch_end) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c)
        if (before(c, best)) best = c;
      take(best, std::min(batch_end - placed, left(best)));
    }
  }
}

void Batcher::restore(const State& state) {
  std::vector<bool> seen(order_.size(), false);
  bool permutation = state.order.size() == order_.size();
  for (std::size_t i = 0; permutation && i < state.order.size(); ++i)
    permutation = state.order[i] < seen.size() && !seen[state.order[i]] && (seen[state.order[i]] = true);
  if (!permutation || state.position > batches_per_epoch_)
    throw InputError("the saved batcher state does not fit a training split of " +
                     std::to_string(order_.size()) + " samples in batches of " + std::to_string(batch_size_));
  rng_.restore(state.rng);
  order_ = state.order;
  batches_served_ = state.batches_served;
  position_ = state.position;
}

void Batcher::next(Tensor<float>& x, std::vector<std::int32_t>& labels) {
  if (position_ == batches_per_epoch_) {
    position_ = 0;
    new_epoch_order();
  }
  const std::size_t begin = position_ * batch_size_;
  const std::size_t count = std::min(batch_size_, order_.size() - begin);
  gather(split_, order_.data() + begin, count, x, labels);
  ++position_;
  ++batches_served_;
}

}  // namespace normlab
