// Element-wise maps over a tensor spread over the OpenMP team.
#pragma once

#include <cstddef>

#include "norms/core/parallel.hpp"

namespace normlab {

// Calls body(begin, end) over [0, n) in chunks of a fixed size spread over the OpenMP team.
// Every element's value is computed by the same code whatever its chunk (the chunk size is a
// multiple of any SIMD width, and the maps do not look at neighbours), so results do not depend
// on the thread count.
template <class Body>
void for_each_chunk(std::size_t n, Body body) {
  constexpr std::size_t kChunk = 16384;
  parallel_for((n + kChunk - 1) / kChunk, kChunk,
               [&](std::size_t c) { body(c * kChunk, n < (c + 1) * kChunk ? n : (c + 1) * kChunk); });
}

}  // namespace normlab
