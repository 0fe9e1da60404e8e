// Non-finite values (NaN, +-Inf) in an input tensor, found before a normalizer spreads them: one
// NaN in a batch-norm input turns every output of its channel and the running mean into NaN.
// NumPy and PyTorch propagate them silently; normlab apply warns (or, with --strict, refuses).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include "norms/core/tensor.hpp"

namespace normlab::cli {

struct NonFiniteCount {
  std::size_t count = 0;
  std::size_t first = 0;  // flat (row-major) index of the first, when count > 0
};

template <class T>
NonFiniteCount count_non_finite(const Tensor<T>& tensor) {
  NonFiniteCount found;
  const T* data = tensor.data();
  for (std::size_t i = 0; i < tensor.size(); ++i)
    if (!std::isfinite(data[i])) {
      if (found.count++ == 0) found.first = i;
    }
  return found;
}

// "(0, 2, 1)": the multi-index of flat index `flat` in a row-major tensor of `shape`.
std::string index_string(const Shape& shape, std::size_t flat);

// "'x.npy' holds 2 non-finite values (NaN or Inf), the first at index (0, 2, 1)".
std::string describe_non_finite(const std::string& path, const Shape& shape, const NonFiniteCount& found);

}  // namespace normlab::cli
