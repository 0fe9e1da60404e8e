// Tensor types shared by the whole project.
//
// xtensor containers own memory at the boundaries (parameters, buffers, layer outputs);
// hot loops work on .data() with explicit sizes. This header includes only xarray.hpp so that
// widely included headers stay cheap to compile.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

namespace normlab {

// A dense row-major tensor of any rank.
template <class T>
using Tensor = xt::xarray<T, xt::layout_type::row_major>;

using Shape = std::vector<std::size_t>;

// "(4, 3, 8, 8)"; PyTorch prints shapes the same way.
std::string shape_string(const Shape& shape);

template <class E>
Shape shape_of(const E& tensor) {
  return Shape(tensor.shape().begin(), tensor.shape().end());
}

// Product of shape[begin, end).
std::size_t shape_product(const Shape& shape, std::size_t begin = 0, std::size_t end = std::size_t(-1));

// Resizes `tensor` to `shape` only if it differs, so steady-state steps do not allocate.
template <class T>
void ensure_shape(Tensor<T>& tensor, const Shape& shape) {
  if (tensor.dimension() != shape.size() || !std::equal(shape.begin(), shape.end(), tensor.shape().begin()))
    tensor.resize(shape);
}

}  // namespace normlab
