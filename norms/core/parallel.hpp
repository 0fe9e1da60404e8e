// Parallel loops whose results do not depend on the thread count: each item is computed by
// exactly one thread, in a fixed order inside the item, so the split of items across threads
// changes nothing but the speed.
#pragma once

#include <cstddef>

#include <omp.h>

namespace normlab {

// Whether a team of omp_get_max_threads() threads would find its cores. An OpenMP region is
// lockstep: it ends when its last thread does, so where other processes occupy the cores, each
// region waits a scheduler slice (milliseconds) for its second thread to get one, and 2 threads
// are many times slower than 1 (results/benchmarks/README.md, "Threads on a shared machine").
// False when, over the last interval of ~0.2 s, the machine's other processes left fewer than
// threads - 1/2 cores to this one (Linux: /proc/stat's busy time minus this process's own CPU
// time), and during the first interval; true where /proc/stat cannot be read. Cheap: a clock
// read per call, the sample at most once per interval. Never changes a result, as parallel_for's
// split never does.
bool spare_cores_for_team();

// The verdict itself: whether `threads` threads fit on `online_cores` cores of which the other
// processes kept `others_busy` busy on average (in cores) over the last interval.
inline bool team_fits(double online_cores, double others_busy, int threads) {
  return online_cores - others_busy >= double(threads) - 0.5;
}

// Tests of the threaded paths (bit-identical results on 1 and 2 threads) must take them whatever
// the machine's load: while one of these lives, spare_cores_for_team() says true.
class AlwaysStartTeams {
 public:
  AlwaysStartTeams();
  ~AlwaysStartTeams();
  AlwaysStartTeams(const AlwaysStartTeams&) = delete;
  AlwaysStartTeams& operator=(const AlwaysStartTeams&) = delete;
};

// Calls body(i) for i in [0, n); items are spread over the current OpenMP team.
// Small loops run inline: a team costs microseconds to start on an idle machine, and a team
// whose cores are taken by other processes costs milliseconds per loop (spare_cores_for_team).
template <class Body>
void parallel_for(std::size_t n, std::size_t work_per_item, Body body) {
  const bool worth_threads = n > 1 && n * work_per_item >= (std::size_t(1) << 15) &&
                             omp_get_max_threads() > 1 && spare_cores_for_team();
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
