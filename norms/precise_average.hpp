// PreciseBN's cumulative average (Wu & Johnson 2021, "Rethinking Batch in BatchNorm"; fvcore's
// update_bn_stats): the running buffers of a batch-statistics normalizer are replaced by the
// equal-weight average of the batch statistics of K training-mode forwards, instead of the
// exponential moving average that training leaves. While an average is being taken, the
// normalizer's buffers stay as they are, so every other forward of those K sees the same state
// (Batch Renorm's r and d, for instance, still use the trained buffers); they are set at the end.
#pragma once

#include <cstddef>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

class PreciseAverage {
 public:
  bool active() const { return active_; }

  // Starts an average of statistics with `channels` entries (allocates; not in a training step).
  void begin(std::size_t channels) {
    active_ = true;
    count_ = 0;
    mean_sum_.assign(channels, 0.0);
    var_sum_.assign(channels, 0.0);
  }

  // batch_mean, batch_unbiased_var: (channels); either may be null when the normalizer keeps none.
  void add(const double* batch_mean, const double* batch_unbiased_var) {
    ++count_;
    for (std::size_t c = 0; c < mean_sum_.size(); ++c) {
      if (batch_mean) mean_sum_[c] += batch_mean[c];
      if (batch_unbiased_var) var_sum_[c] += batch_unbiased_var[c];
    }
  }

  // Writes the averages into the buffers given (null: the normalizer keeps no such buffer) and
  // counts the forwards in num_batches_tracked, as PyTorch's forwards would have. Without a
  // forward since begin() the buffers stay as they are.
  template <class T>
  void end(Tensor<T>* mean, Tensor<T>* var, Tensor<T>* num_batches_tracked) {
    active_ = false;
    if (count_ == 0) return;
    const double k = double(count_);
    for (std::size_t c = 0; c < mean_sum_.size(); ++c) {
      if (mean) mean->data()[c] = T(mean_sum_[c] / k);
      if (var) var->data()[c] = T(var_sum_[c] / k);
    }
    if (num_batches_tracked) (*num_batches_tracked)() += T(k);
  }

 private:
  bool active_ = false;
  std::size_t count_ = 0;
  std::vector<double> mean_sum_, var_sum_;  // (channels)
};

}  // namespace normlab
