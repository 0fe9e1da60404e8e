// PreciseBN (Wu & Johnson 2021, "Rethinking 'Batch' in BatchNorm"; fvcore's update_bn_stats).
// After training, the running buffers that evaluation uses are an exponential moving average
// over weights that kept changing; PreciseBN replaces them with the equal-weight average of the
// batch statistics of K training-mode forwards through the final network, so that the EMA's part
// in the train/evaluation gap can be measured.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/data/dataset.hpp"
#include "experiments/models/model.hpp"

namespace normlab {

// The normalizers PreciseBN recomputes: those whose registry traits say batch_statistics &&
// running_buffers, in model order, also inside composite layers (the residual blocks).
template <class T>
std::vector<Normalizer<T>*> precise_statistics_normalizers(Model<T>& model);

// Sets those normalizers' running buffers to the average over `batches` training-mode forwards
// (no backward, no optimizer step) of training batches of `batch_size` drawn from the run's own
// "precise_bn" stream of `seed`, so that the training trajectory (the "shuffle" stream) is not
// touched and the result is reproducible. The rest of the model is held fixed: every other
// buffer (spectral norm's u and v, which iterate in training mode) is restored after each
// forward. Nothing happens for batches = 0 or a model without such normalizers.
template <class T>
void update_precise_statistics(Model<T>& model, const Split& train, std::size_t batch_size, bool drop_last,
                               std::size_t batches, std::uint64_t seed);

}  // namespace normlab
