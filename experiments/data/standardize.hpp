// Input standardization, the data-layer special case of batch normalization: every feature
// (tabular data) or channel (images) is shifted and scaled to zero mean and unit variance using
// statistics of the training split only, and the same transform is applied to the test split.
#pragma once

#include <vector>

#include "experiments/data/dataset.hpp"

namespace normlab {

struct Standardization {
  std::vector<double> mean, std;  // (channels): population statistics of the training split
};

// x: (N, C, *spatial) or (N, features); statistics per index of dim 1 over all other dims. A
// constant channel keeps std = 1 so that it is only centred.
Standardization training_statistics(const Split& train);
void apply_standardization(const Standardization& stats, Split& split);
void standardize(Dataset& data);

}  // namespace normlab
