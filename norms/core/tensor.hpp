// Tensor types shared by the whole project.
//
// xtensor containers own memory at the boundaries (parameters, buffers, layer outputs);
// hot loops work on .data() with explicit sizes. This header includes only xarray.hpp so that
// widely included headers stay cheap to compile.
#pragma once

#include <algorithm>
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
template <class S>
std::string shape_string(const S& shape) {
  return shape_string(Shape(shape.begin(), shape.end()));
}

template <class E>
Shape shape_of(const E& tensor) {
  return Shape(tensor.shape().begin(), tensor.shape().end());
}

// The helpers below take any shape container: a Shape, or a tensor's own shape() (xtensor's
// small inline vector), so hot paths can check and size tensors without allocating.

// Product of shape[begin, end).
template <class S>
std::size_t shape_product(const S& shape, std::size_t begin = 0, std::size_t end = std::size_t(-1)) {
  std::size_t n = 1;
  for (std::size_t i = begin; i < shape.size() && i < end; ++i)
    n *= shape[i];
  return n;
}

template <class A, class B>
bool shapes_equal(const A& a, const B& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// A tensor of `shape` with every element `value` (parameters start as ones or zeros).
template <class T>
Tensor<T> filled(const Shape& shape, T value) {
  Tensor<T> t = Tensor<T>::from_shape(shape);
  t.fill(value);
  return t;
}

// Resizes `tensor` to `shape` only if it differs, so steady-state steps do not allocate.
template <class T, class S>
void ensure_shape(Tensor<T>& tensor, const S& shape) {
  if (!shapes_equal(tensor.shape(), shape)) tensor.resize(Shape(shape.begin(), shape.end()));
}

}  // namespace normlab
