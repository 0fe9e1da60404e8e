// What `normlab run` and `normlab slurm` both do before anything runs: load the configuration,
// check every spec and every model/data combination, expand the runs, and decide the results
// store; and the one line that says when several combinations are one run.
#pragma once

#include <string>

#include "experiments/cli/args.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"

namespace normlab::cli {

struct CheckedSweep {
  SweepConfig config;
  RunPlan plan;  // the whole sweep
};

// From the CONFIG positional and the --set and --quick options; InputErrors name what is wrong.
CheckedSweep load_checked_sweep(const Args& args);

// --out, or runs/<name>/ (runs/<name>-quick/ with --quick): never a committed reference
// directory (results/<name>/) by default. An empty --out is an InputError.
std::string output_dir(const Args& args, const SweepConfig& config);

// "(24 combinations: ...)" when some combinations of the axes are one run, else "".
std::string merged_combinations_note(const RunPlan& plan);

}  // namespace normlab::cli
