// Running statistics as PyTorch keeps them for batch and instance normalization:
//   running = (1 - momentum)·running + momentum·batch      (momentum = 0.1 by default)
//   momentum = none: the cumulative average, factor 1/num_batches_tracked
// running_var is updated with the unbiased batch variance, although normalization uses the
// biased one. Between begin_precise() and end_precise(), update() takes PreciseBN's
// equal-weight average instead (precise_average.hpp).
#pragma once

#include <optional>
#include <vector>

#include "norms/normalizer.hpp"
#include "norms/precise_average.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

template <class T>
struct RunningStats {
  Tensor<T> mean;                 // (C), starts at 0
  Tensor<T> var;                  // (C), starts at 1
  Tensor<T> num_batches_tracked;  // (), counts training forwards
  std::optional<double> momentum;
  PreciseAverage precise;

  void reset(std::size_t channels) {
    mean = filled<T>({channels}, 0);
    var = filled<T>({channels}, 1);
    num_batches_tracked = filled<T>({}, 0);
  }

  // batch_mean, batch_unbiased_var: (C)
  void update(const double* batch_mean, const double* batch_unbiased_var) {
    if (precise.active()) return precise.add(batch_mean, batch_unbiased_var);
    num_batches_tracked() += T(1);
    const double factor = momentum ? *momentum : 1.0 / double(num_batches_tracked());
    for (std::size_t c = 0; c < mean.size(); ++c) {
      mean.data()[c] = T((1.0 - factor) * double(mean.data()[c]) + factor * batch_mean[c]);
      var.data()[c] = T((1.0 - factor) * double(var.data()[c]) + factor * batch_unbiased_var[c]);
    }
  }

  // PreciseBN: the updates between these two calls set the buffers to their equal-weight average.
  void begin_precise() { precise.begin(mean.size()); }
  void end_precise() { precise.end(&mean, &var, &num_batches_tracked); }

  // The buffers by PyTorch's names, for Normalizer::buffers().
  std::vector<BufferRef<T>> buffers() {
    return {{"running_mean", &mean}, {"running_var", &var}, {"num_batches_tracked", &num_batches_tracked}};
  }
};

}  // namespace normlab
