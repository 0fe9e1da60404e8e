#include "experiments/parallel/sweep_over_processes.hpp"

#include <map>

#include <cblas.h>
#include <omp.h>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

constexpr long kNoMoreRuns = -1;

// Records of a rank > 0: rank 0 reports the run.
class DiscardingSink : public MetricSink {
 public:
  void metric(std::size_t, double, const std::string&, const std::string&, double) override {}
  void layer_stat(std::size_t, const std::string&, const std::string&, double) override {}
};

}  // namespace

void check_processes_for(const RunPlan& plan, const MpiProcesses& processes, const std::string& config_file) {
  for (const RunConfig& run : plan.runs) {
    if (run.ranks <= processes.size()) continue;
    const std::string start =
        "start the sweep with mpirun -np " + std::to_string(run.ranks) + " normlab run ...";
    throw InputError(config_file + ": run " + (run.label.empty() ? run.id : run.label) + " has ranks = " +
                     std::to_string(run.ranks) + " but " + std::to_string(processes.size()) +
                     (processes.size() == 1 ? " process was" : " processes were") + " started; " +
                     (MpiProcesses::built_with_mpi()
                          ? start
                          : "this normlab was built without MPI: install libopenmpi-dev (scripts/setup.sh), "
                            "rebuild, and " +
                                start));
  }
}

RunFunction announcing_run_function(MpiProcesses& processes, TrainingRuns& training) {
  return [&processes, &training](const RunConfig& run, MetricSink& sink, const StepProgress& progress) {
    processes.broadcast_from_root(long(run.index));
    const std::unique_ptr<ReplicaGroup> group = processes.group_of_first(run.ranks);
    return training(run, sink, progress, group.get());
  };
}

EndOfSweepAnnouncement::~EndOfSweepAnnouncement() {
  processes_.broadcast_from_root(kNoMoreRuns);
}

void serve_announced_runs(MpiProcesses& processes, const RunPlan& plan, TrainingRuns& training,
                          std::size_t threads) {
  // As run_sweep sets them for each run on rank 0.
  openblas_set_num_threads(int(threads));
  omp_set_num_threads(int(threads));
  std::map<long, const RunConfig*> by_index;
  for (const RunConfig& run : plan.runs)
    by_index[long(run.index)] = &run;
  for (;;) {
    const long index = processes.broadcast_from_root(kNoMoreRuns);
    if (index == kNoMoreRuns) return;
    const auto found = by_index.find(index);
    if (found == by_index.end())  // the processes disagree on the plan: nothing sensible can follow
      throw std::runtime_error("rank " + std::to_string(processes.rank()) + " has no run with index " +
                               std::to_string(index) + " in its plan");
    const RunConfig& run = *found->second;
    const std::unique_ptr<ReplicaGroup> group = processes.group_of_first(run.ranks);
    if (!group) continue;  // not one of this run's processes
    DiscardingSink sink;
    try {
      training(run, sink, {}, group.get());
    } catch (const std::exception&) {
      // Rank 0 met the same error (the ranks run the same code on the same data) and records it.
    }
  }
}

}  // namespace normlab
