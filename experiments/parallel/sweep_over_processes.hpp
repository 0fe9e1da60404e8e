// `mpirun -np P normlab run CONFIG`: the sweep's runs, one at a time, over P processes. Rank 0
// runs the sweep as one process would (store, manifest, progress, every file) and announces each
// run it starts; a run with ranks = K is then trained by the processes 0..K-1 together
// (trainer.hpp's replicas), the others waiting for the next announcement. Only rank 0 writes.
#pragma once

#include <string>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_runner.hpp"
#include "experiments/harness/training_run.hpp"
#include "experiments/parallel/mpi_processes.hpp"

namespace normlab {

// InputError naming the first run that needs more processes than were started, and how to start them.
void check_processes_for(const RunPlan& plan, const MpiProcesses& processes, const std::string& config_file);

// Rank 0: the run function of run_sweep, announcing each run before training it with its group.
RunFunction announcing_run_function(MpiProcesses& processes, TrainingRuns& training);

// Rank 0, however the sweep ends: tells the other processes that no run follows. Idempotent.
class EndOfSweepAnnouncement {
 public:
  explicit EndOfSweepAnnouncement(MpiProcesses& processes) : processes_(processes) {}
  ~EndOfSweepAnnouncement();

 private:
  MpiProcesses& processes_;
};

// Ranks > 0: train the announced runs of `plan` (writing nothing) until rank 0 announces the end.
// threads: inside each run, as rank 0's (--threads).
void serve_announced_runs(MpiProcesses& processes, const RunPlan& plan, TrainingRuns& training,
                          std::size_t threads);

}  // namespace normlab
