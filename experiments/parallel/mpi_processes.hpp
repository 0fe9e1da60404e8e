// The processes of one `normlab run` invocation: one, or those that mpirun (or srun) started,
// MPI_COMM_WORLD. MPI is initialized only when a launcher started this process (its environment
// says so: OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK), so a plain `normlab run` never touches
// MPI. A build without MPI (CMake found none) runs one process and refuses a launch of several.
//
// A sweep over K processes (sweep_over_processes.hpp) executes its runs one at a time: rank 0
// announces each run, the processes 0..K-1 of a run with ranks = K form its ReplicaGroup, and the
// others wait for the next announcement.
#pragma once

#include <cstddef>
#include <memory>

#include "norms/core/replica_group.hpp"

namespace normlab {

// This process's rank as its launcher numbered it, 0 when no launcher started it; known before
// MPI is initialized (for quieting the other ranks' output from the start).
std::size_t launched_rank();

class MpiProcesses {
 public:
  MpiProcesses();   // MPI_Init when launched by mpirun; runtime_error when MPI is needed but absent
  ~MpiProcesses();  // MPI_Finalize
  MpiProcesses(const MpiProcesses&) = delete;
  MpiProcesses& operator=(const MpiProcesses&) = delete;

  std::size_t size() const { return size_; }
  std::size_t rank() const { return rank_; }
  static bool built_with_mpi();

  // Collective over all processes: rank 0's `value` on every process.
  long broadcast_from_root(long value);
  // Collective over all processes: the group of processes 0..ranks-1 on those, null on the others
  // (ranks <= size()).
  std::unique_ptr<ReplicaGroup> group_of_first(std::size_t ranks);

 private:
  bool initialized_ = false;
  std::size_t size_ = 1, rank_ = 0;
};

}  // namespace normlab
