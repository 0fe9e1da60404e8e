// Shape checks and resizes that do not allocate, for the layers' per-step paths (shape_of()
// builds a std::vector; these compare the tensors' own shape arrays). The error paths may
// allocate: they throw.
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "norms/core/errors.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

template <class T, class U>
bool same_shape(const Tensor<T>& a, const Tensor<U>& b) {
  return a.dimension() == b.dimension() && std::equal(a.shape().begin(), a.shape().end(), b.shape().begin());
}

template <class T, std::size_t R>
bool has_dims(const Tensor<T>& t, const std::array<std::size_t, R>& dims) {
  return t.dimension() == R && std::equal(dims.begin(), dims.end(), t.shape().begin());
}

// Resizes only when the shape differs (so a steady-state step does not allocate).
template <class T, std::size_t R>
void ensure_dims(Tensor<T>& t, const std::array<std::size_t, R>& dims) {
  if (!has_dims(t, dims)) t.resize(dims);
}

template <class T, class U>
void ensure_shape_like(Tensor<T>& t, const Tensor<U>& like) {
  if (!same_shape(t, like)) t.resize(like.shape());
}

// Throws "<layer> backward: dy must have the last output's shape (...), got (...)" when they
// differ (the description is only built then).
template <class T, class Layer>
void check_output_grad(const Layer& layer, const Tensor<T>& dy, const Tensor<T>& y) {
  if (!same_shape(dy, y))
    throw InputError(layer.describe() + " backward: dy must have the last output's shape " + shape_string(shape_of(y)) +
                     ", got " + shape_string(shape_of(dy)));
}

}  // namespace normlab
