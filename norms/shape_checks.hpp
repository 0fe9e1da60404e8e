// Input shape checks shared by the normalizers; each failure names the normalizer, the shape it
// got and the shape it accepts.
#pragma once

#include <string>

#include "norms/core/errors.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

// (N, C, *spatial) with rank >= 2; returns C.
inline std::size_t channels_of_example(const std::string& who, const Shape& example) {
  if (example.size() < 2 || shape_product(example, 1) == 0)
    throw InputError(who + " expects input of shape (N, C) or (N, C, *spatial) with non-empty C, got " +
                     shape_string(example));
  return example[1];
}

// (N, C, *spatial) with at least one spatial dim, for normalizers whose statistics need one;
// returns C.
inline std::size_t spatial_channels_of_example(const std::string& who, const Shape& example) {
  if (example.size() < 3 || shape_product(example, 1) == 0)
    throw InputError(who + " expects input of shape (N, C, *spatial) with at least one spatial dim, got " +
                     shape_string(example));
  return example[1];
}

// x must have the example's rank and channel count (spatial dims may vary, as in PyTorch).
// `who` is a literal and the message is built only on failure: no allocation on the hot path.
template <class S>
void check_channels(const char* who, const S& x, std::size_t rank, std::size_t channels) {
  if (x.size() != rank || x[1] != channels || shape_product(x) == 0)
    throw InputError(std::string(who) + " expects a non-empty input of rank " + std::to_string(rank) +
                     " with " + std::to_string(channels) + " channels, got " + shape_string(x));
}

template <class A, class B>
void check_same_shape(const char* who, const char* what, const A& got, const B& expected) {
  if (!shapes_equal(got, expected))
    throw InputError(std::string(who) + ": " + what + " must have shape " + shape_string(expected) +
                     ", got " + shape_string(got));
}

template <class A, class B>
void check_same_shape(const std::string& who, const char* what, const A& got, const B& expected) {
  check_same_shape(who.c_str(), what, got, expected);
}

}  // namespace normlab
