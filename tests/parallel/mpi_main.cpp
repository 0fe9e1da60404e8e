// The main of test_parallel, run by ctest under `mpirun -np 2` (tests/CMakeLists.txt): MPI is
// initialized around the Catch2 session, and a failure on either rank fails both, so that the
// exit status of mpirun says whether every rank passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  Catch::Session session;
  // Rank 0 reports; the others only fail (their failures still print, prefixed by mpirun).
  if (rank > 0) session.configData().reporterName = "compact";
  int failed = session.run(argc, argv);
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed ? 1 : 0;
}
