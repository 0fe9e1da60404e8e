#include "experiments/parallel/mpi_processes.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#ifdef NORMLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace normlab {

namespace {

// The number of processes the launcher says it started, 0 when no launcher started this one.
std::size_t launched_processes() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* value = std::getenv(name)) return std::size_t(std::strtoul(value, nullptr, 10));
  if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) return 1;
  return 0;
}

}  // namespace

std::size_t launched_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* value = std::getenv(name)) return std::size_t(std::strtoul(value, nullptr, 10));
  return 0;
}

#ifdef NORMLAB_HAVE_MPI

namespace {

// A ReplicaGroup over an MPI communicator of its own (freed with the group).
class MpiReplicaGroup final : public ReplicaGroup {
 public:
  explicit MpiReplicaGroup(MPI_Comm comm) : comm_(comm) {
    int size = 0, rank = 0;
    MPI_Comm_size(comm_, &size);
    MPI_Comm_rank(comm_, &rank);
    size_ = std::size_t(size), rank_ = std::size_t(rank);
  }
  ~MpiReplicaGroup() override { MPI_Comm_free(&comm_); }
  std::size_t size() const override { return size_; }
  std::size_t rank() const override { return rank_; }
  void all_gather(const double* mine, std::size_t n, double* all) override {
    // Counts beyond int would need chunking; a model's gradients are far below 2^31 doubles here.
    if (n > std::size_t(1) << 30) throw std::runtime_error("all_gather of more than 2^30 values");
    MPI_Allgather(mine, int(n), MPI_DOUBLE, all, int(n), MPI_DOUBLE, comm_);
  }
  void broadcast(double* data, std::size_t n, std::size_t root) override {
    if (n > std::size_t(1) << 30) throw std::runtime_error("broadcast of more than 2^30 values");
    MPI_Bcast(data, int(n), MPI_DOUBLE, int(root), comm_);
  }

 private:
  MPI_Comm comm_;
  std::size_t size_ = 1, rank_ = 0;
};

}  // namespace

MpiProcesses::MpiProcesses() {
  if (launched_processes() == 0) return;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    MPI_Init(nullptr, nullptr);
    initialized_ = true;
  }
  int size = 1, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  size_ = std::size_t(size), rank_ = std::size_t(rank);
}

MpiProcesses::~MpiProcesses() {
  if (initialized_) MPI_Finalize();
}

bool MpiProcesses::built_with_mpi() {
  return true;
}

long MpiProcesses::broadcast_from_root(long value) {
  if (size_ > 1) MPI_Bcast(&value, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  return value;
}

std::unique_ptr<ReplicaGroup> MpiProcesses::group_of_first(std::size_t ranks) {
  if (size_ == 1) return nullptr;
  MPI_Comm comm = MPI_COMM_NULL;
  const bool member = rank_ < ranks;
  MPI_Comm_split(MPI_COMM_WORLD, member ? 0 : MPI_UNDEFINED, int(rank_), &comm);
  if (!member || ranks <= 1) {
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
    return nullptr;
  }
  return std::make_unique<MpiReplicaGroup>(comm);
}

#else  // built without MPI: one process

MpiProcesses::MpiProcesses() {
  if (launched_processes() > 1)
    throw std::runtime_error("this normlab was built without MPI, so it cannot run as one of " +
                             std::to_string(launched_processes()) +
                             " processes; install libopenmpi-dev (scripts/setup.sh) and rebuild");
}
MpiProcesses::~MpiProcesses() = default;
bool MpiProcesses::built_with_mpi() {
  return false;
}
long MpiProcesses::broadcast_from_root(long value) {
  return value;
}
std::unique_ptr<ReplicaGroup> MpiProcesses::group_of_first(std::size_t) {
  return nullptr;
}

#endif

}  // namespace normlab
