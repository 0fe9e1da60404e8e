// Datasets: in-memory train and test splits of samples with integer class labels, or of windows
// of a token sequence (text) whose labels are the next token at every position.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

struct Split {
  Tensor<float> x;                   // (count, *sample_shape), float32
  std::vector<std::int32_t> labels;  // (count), in [0, num_classes)

  // A sequence split instead (context > 0; x and labels empty): sample i is the window
  // tokens[i·stride, i·stride + context) as token ids, its labels the `context` tokens that
  // follow each position, tokens[i·stride + 1, i·stride + context + 1). Training splits use
  // stride 1 (every offset), evaluation splits stride = context (non-overlapping windows).
  std::vector<std::int32_t> tokens;  // in [0, num_classes)
  std::size_t context = 0, stride = 1;

  std::size_t size() const {
    if (context == 0) return labels.size();
    return tokens.size() > context ? (tokens.size() - context - 1) / stride + 1 : 0;
  }
  // Labels per sample: 1, or one per position of a window.
  std::size_t labels_per_sample() const { return context ? context : 1; }
};

struct Dataset {
  std::string name;        // the spec it was made from
  std::string description; // e.g. "MNIST test split (t10k) as 8000 train / 2000 test, seed 1"
  Shape sample_shape;      // (1, 28, 28), (3, 32, 32) or (features)
  std::size_t num_classes = 0;
  Split train, test;
};

}  // namespace normlab
