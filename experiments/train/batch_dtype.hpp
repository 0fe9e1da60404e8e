// The data sets keep their samples in float32 (a float64 copy of a data set would double its
// memory for nothing: the samples are float32 values); a float64 run converts each batch into a
// reused double tensor instead, which allocates nothing once the batch shape is steady. A float
// run uses the batch as it is.
#pragma once

#include <algorithm>
#include <type_traits>

#include "norms/core/tensor.hpp"

namespace normlab {

// batch: (B, *sample_shape); converted: the same in T (resized only when the shape changes).
template <class T>
const Tensor<T>& batch_as(const Tensor<float>& batch, Tensor<T>& converted) {
  if constexpr (std::is_same_v<T, float>) {
    return batch;
  } else {
    ensure_shape(converted, batch.shape());
    std::copy(batch.data(), batch.data() + batch.size(), converted.data());
    return converted;
  }
}

}  // namespace normlab
