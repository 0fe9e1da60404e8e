// Runs the runs of a sweep on a pool of worker threads, one run per worker at a time and each
// run on one core, writes each run's results apart (run_store.hpp) and merges them at the end.
// A NaN or infinite loss ends a run as diverged and an exception as failed; the sweep goes on.
// Runs whose results are already in the output directory (same configuration) are skipped, so
// the same command resumes an interrupted sweep.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"

namespace normlab {

using StepProgress = std::function<void(std::size_t step, std::size_t total_steps)>;
// Trains one run and reports its records to the sink; throws on failure.
using RunFunction = std::function<TrainResult(const RunConfig& run, MetricSink& sink, const StepProgress& progress)>;

struct SweepOptions {
  std::string out_dir;
  std::size_t jobs = 1;
  std::size_t threads = 1;  // threads inside each run (OpenMP and BLAS); results do not depend on it
  RunFunction run;
  // Told which runs will execute before the first starts (optional).
  std::function<void(const std::vector<const RunConfig*>& pending)> expect;
  std::FILE* progress_out = stdout;
  bool terminal = false;      // progress as a \r-updated line
  std::string command_line;   // for the manifest
  std::string shard;          // "I/N" when the plan is one shard of the sweep, for the manifest
};

struct SweepCounts {
  std::size_t ok = 0, diverged = 0, failed = 0;
  std::size_t reused = 0;  // finished by an earlier, interrupted invocation
};

SweepCounts run_sweep(const SweepConfig& config, const RunPlan& plan, const SweepOptions& options);

}  // namespace normlab
