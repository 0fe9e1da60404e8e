// The tests' data-parallel group: every process mpirun started (the tests run with -np 2).
#pragma once

#include <memory>

#include "experiments/parallel/mpi_processes.hpp"

namespace normlab::test {

inline MpiProcesses& processes() {
  static MpiProcesses world;  // MPI is already initialized by mpi_main.cpp: this only reads it
  return world;
}

// Never freed: static destruction would come after MPI_Finalize.
inline ReplicaGroup& world_group() {
  static ReplicaGroup* group = processes().group_of_first(processes().size()).release();
  return *group;
}

}  // namespace normlab::test
