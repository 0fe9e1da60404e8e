// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
// Networks", section 3.3): train a fresh model for a number of steps while the learning rate rises
// geometrically from min_lr to max_lr, lr_s = min_lr · (max_lr / min_lr)^(s / (steps − 1)), and
// watch the training loss. Smoothed loss: the bias-corrected exponential moving average
//   a_s = β a_{s−1} + (1 − β) loss_s,  smoothed_s = a_s / (1 − β^(s+1)).
// What it reports:
//   lr_max_decreasing  the lr at the minimum of the smoothed loss: the largest lr up to which the
//                      loss was still falling (Smith's upper bound of a useful range)
//   lr_diverged        the lr of the first step whose loss is not finite or whose smoothed loss
//                      exceeds `divergence_factor` (4) × the minimum so far; the test stops there.
//                      NaN when the loss never diverged within max_lr.
// The batches, model and optimizer are those of the run (schedule aside), from its seed.
#pragma once

#include <cstddef>
#include <vector>

#include "experiments/data/dataset.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/trainer.hpp"

namespace normlab {

struct LrRangeOptions {
  double min_lr = 1e-5, max_lr = 10;
  std::size_t steps = 100;       // >= 2
  double smoothing = 0.9;        // β in [0, 1)
  double divergence_factor = 4;  // > 1
};

struct LrRangePoint {
  std::size_t step = 0;  // 1-based, as curves.csv
  double lr = 0, loss = 0, smoothed_loss = 0;
};

struct LrRangeResult {
  std::vector<LrRangePoint> points;  // up to and including the diverged step
  double lr_max_decreasing = 0, min_smoothed_loss = 0;
  double lr_diverged = 0;         // NaN when the loss never diverged
  std::size_t diverged_step = 0;  // 0 when it never diverged
};

// InputError naming the option when an option is out of range.
void check_lr_range_options(const LrRangeOptions& options);

// `train` gives the batch size, optimizer spec, loss, drop_last and seed. T: the model's dtype
// (the run's dtype key); batches are converted as the trainer converts them.
template <class T>
LrRangeResult lr_range_test(Model<T>& model, const Dataset& data, const TrainOptions& train,
                            const LrRangeOptions& options);

}  // namespace normlab
