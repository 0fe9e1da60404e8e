// manifest.json: what is needed to reproduce a sweep and to read its results: the configuration
// as given (the file's text, --set, --quick) and as used (every key's values), the expanded run
// list with ids, the git commit of the source tree and whether it was dirty (tracked files changed
// outside the sweep's own output directory), compiler, flags and library versions, host, start
// and end times, and the command line.
#pragma once

#include <string>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"

namespace normlab {

struct SweepRecord {
  std::string command_line;
  std::size_t jobs = 1;
  std::string start_time, end_time;  // ISO 8601 UTC; end_time empty while running
  std::string state = "running";     // running | complete | stopped
  std::size_t ok = 0, diverged = 0, failed = 0;
  std::string out_dir;  // the sweep's output directory: its own files do not make the tree dirty
};

std::string manifest_json(const SweepConfig& config, const RunPlan& plan, const SweepRecord& record);
std::string utc_now_iso();

}  // namespace normlab
