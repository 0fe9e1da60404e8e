// The processes of one data-parallel run, as the normalizers and the trainer see them: K
// replicas of the same model, each holding its own share of every batch. Implemented over MPI in
// experiments/parallel/; the normalizers only need the two collectives below.
//
// Every combination is deterministic: values are gathered in rank order and summed or merged in
// that order by every rank, so all ranks get the same bits, and the same run with the same K gives
// the same bits every time (MPI_Allreduce promises no fixed summation order for floating point).
#pragma once

#include <cstddef>
#include <vector>

namespace normlab {

class ReplicaGroup {
 public:
  virtual ~ReplicaGroup() = default;
  virtual std::size_t size() const = 0;
  virtual std::size_t rank() const = 0;
  // all: (size, n) written on every rank: rank r's `mine` (n values) is row r.
  virtual void all_gather(const double* mine, std::size_t n, double* all) = 0;
  // data: n values, replaced on every rank by those of rank `root`.
  virtual void broadcast(double* data, std::size_t n, std::size_t root) = 0;
};

// values: n values, replaced on every rank by their sum over the ranks, added in rank order
// (0, 1, ..., K-1). gathered: scratch, resized to (K, n).
inline void sum_in_rank_order(ReplicaGroup& group, double* values, std::size_t n,
                              std::vector<double>& gathered) {
  gathered.resize(group.size() * n);
  group.all_gather(values, n, gathered.data());
  for (std::size_t i = 0; i < n; ++i)
    values[i] = gathered[i];
  for (std::size_t r = 1; r < group.size(); ++r)
    for (std::size_t i = 0; i < n; ++i)
      values[i] += gathered[r * n + i];
}

// True when `group` spans more than this process (a null group is this process alone).
inline bool spans_processes(const ReplicaGroup* group) {
  return group && group->size() > 1;
}

}  // namespace normlab
