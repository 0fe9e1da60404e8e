// Parallel loops whose results do not depend on the thread count: each item is computed by
// exactly one thread, in a fixed order inside the item, so the split of items across threads
// changes nothing but the speed.
#pragma once

#include <cstddef>

#include <omp.h>

namespace normlab {

// Calls body(i) for i in [0, n); items are spread over the current OpenMP team.
// Small loops run inline: a team costs microseconds to start.
template <class Body>
void parallel_for(std::size_t n, std::size_t work_per_item, Body body) {
  const bool worth_threads = n > 1 && n * work_per_item >= (std::size_t(1) << 15) && omp_get_max_threads() > 1;
  if (!worth_threads) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) body(static_cast<std::size_t>(i));
}

// Splits [0, n) into at most `max_blocks` contiguous blocks of whole items (for loops whose
// inner work is across items, e.g. per-channel accumulators).
struct Block {
  std::size_t begin, end;
};
inline Block block_of(std::size_t n, std::size_t blocks, std::size_t b) {
  return {n * b / blocks, n * (b + 1) / blocks};
}

}  // namespace normlab
