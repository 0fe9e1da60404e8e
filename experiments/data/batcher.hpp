// Mini-batches of a split for training: the sample order is redrawn at the start of every
// epoch from one random stream (Rng::stream(seed, "shuffle")) in the run's DataOrder (a shuffle,
// or batches from few classes: data_order.hpp), and a final partial batch is
// either dropped (drop_last, the usual answer to a batch of one under batch normalization) or
// served as a smaller batch. next() copies into caller-owned buffers that are only resized when
// the batch size changes, so steady-state steps allocate nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/data/data_order.hpp"
#include "experiments/data/dataset.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

class Batcher {
 public:
  // InputError if the split is empty or, with drop_last, smaller than one batch, or if a
  // class_blocks order asks for more classes per batch than the split or a batch holds.
  Batcher(const Split& split, std::size_t batch_size, bool drop_last, std::uint64_t seed,
          DataOrder order = {});

  std::size_t batches_per_epoch() const { return batches_per_epoch_; }
  // Completed epochs plus the fraction of the current one, counted in batches served.
  double epoch() const { return double(batches_served_) / double(batches_per_epoch_); }

  // x: (B, *sample_shape); labels: (B). B is batch_size except for a kept final partial batch.
  void next(Tensor<float>& x, std::vector<std::int32_t>& labels);

  // The current epoch's sample order (for tests).
  const std::vector<std::size_t>& order() const { return order_; }

  // Where the batcher is, for checkpoints: restoring it into a batcher made with the same split,
  // batch size, drop_last and order continues the exact sequence of batches (the class orders
  // redraw each epoch from the stream alone, so the stream and the current order are all of it).
  struct State {
    Rng::State rng;
    std::vector<std::size_t> order;
    std::size_t batches_served = 0, position = 0;
  };
  State state() const { return {rng_.state(), order_, batches_served_, position_}; }
  // InputError if `state` does not fit this batcher's split and batch size.
  void restore(const State& state);

 private:
  void new_epoch_order();  // draws order_ for the next epoch
  void shuffle();
  void shuffle_within_classes();  // pool_ = the samples by ascending class, shuffled within each class
  void class_blocks();

  const Split& split_;
  std::size_t batch_size_, batches_per_epoch_, sample_size_;
  DataOrder data_order_;
  Rng rng_;
  std::vector<std::size_t> order_;  // a permutation of [0, split size)
  // Class orders only, sized once (an epoch's redraw allocates nothing): the sample indices
  // grouped by ascending class, each class's [class_begin_[c], class_begin_[c + 1]) range.
  std::vector<std::size_t> by_class_, pool_, class_begin_;
  std::vector<std::size_t> taken_;                 // (classes) samples of each class placed so far this epoch
  std::vector<std::size_t> chosen_;                // (classes_per_batch) the classes of the batch being built
  std::vector<std::uint64_t> tie_break_;           // (classes) a random key per class and batch
  std::size_t batches_served_ = 0, position_ = 0;  // position_: next batch within the epoch
  Shape batch_shape_;
};

// Copies samples `indices` of `split` into x: (indices.size(), *sample_shape) and labels
// (indices.size() · labels_per_sample()), resizing them only if the batch shape changes. A
// sequence split's windows become rows of token ids (exact in float up to 2^24).
void gather(const Split& split, const std::size_t* indices, std::size_t count, Tensor<float>& x,
            std::vector<std::int32_t>& labels);
// The same for the consecutive samples [begin, begin + count) (evaluation batches).
void copy_range(const Split& split, std::size_t begin, std::size_t count, Tensor<float>& x,
                std::vector<std::int32_t>& labels);

}  // namespace normlab
