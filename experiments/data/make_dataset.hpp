// Datasets from spec strings, e.g. "glyphs:train=5000", "mnist:path=../shared/data/mnist".
//
// Synthetic kinds (tabular, glyphs, patches) are generated deterministically from (spec, seed);
// real kinds (mnist, fashion_mnist, cifar10) are read from the standard files in `path`. Every
// kind accepts train=N and test=N (sample counts; 0 = all available, synthetic kinds need >= 1)
// and standardize=true|false (per feature or channel, from training-set statistics only).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/data/dataset.hpp"
#include "norms/core/kind_registry.hpp"

namespace normlab {

// Makes the data of a spec with train and test sample counts (0 = all available).
using DatasetFactory =
    std::function<Dataset(const Spec& spec, std::size_t train, std::size_t test, std::uint64_t seed)>;
struct DatasetTraits {
  bool generated = false;  // synthetic, from the seed (train and test must be >= 1); else read from files
};
using DatasetInfo = KindEntry<DatasetFactory, DatasetTraits>;  // keys include train, test and standardize
// Every dataset kind with its keys and defaults (for `normlab list` and validation).
const KindRegistry<DatasetInfo>& dataset_registry();

// Bad specs and missing, truncated or corrupt files are InputErrors naming what was wrong.
Dataset make_dataset(const std::string& spec, std::uint64_t seed);
// Checks the kind, keys, values and that the files exist, without loading or generating anything.
void validate_dataset_spec(const std::string& spec);

}  // namespace normlab
