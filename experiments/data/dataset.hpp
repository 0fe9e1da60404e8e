// Datasets: in-memory train and test splits of samples with integer class labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

struct Split {
  Tensor<float> x;                   // (count, *sample_shape), float32
  std::vector<std::int32_t> labels;  // (count), in [0, num_classes)
  std::size_t size() const { return labels.size(); }
};

struct Dataset {
  std::string name;        // the spec it was made from
  std::string description; // e.g. "MNIST test split (t10k) as 8000 train / 2000 test, seed 1"
  Shape sample_shape;      // (1, 28, 28), (3, 32, 32) or (features)
  std::size_t num_classes = 0;
  Split train, test;
};

}  // namespace normlab
