// manifest.json: what is needed to reproduce a sweep and to read its results: the configuration
// as given (the file's text, --set, --quick) and as used (every key's values), the expanded run
// list with ids, the git commit of the source tree and whether it was dirty (tracked files changed
// outside the sweep's own output directory), compiler, flags and library versions, host, start
// and end times, and the command line.
#pragma once

#include <ctime>
#include <string>

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"

namespace normlab {

struct SweepRecord {
  std::string command_line;
  std::size_t jobs = 1;
  std::string start_time, end_time;  // ISO 8601 UTC; end_time empty while running
  // running: a process is working on the sweep (or died: then DIR/.lock is free, and readers
  // report the sweep as interrupted); complete: every selected run is done; stopped: the sweep
  // stopped on an error writing its results.
  std::string state = "running";
  std::size_t done = 0;  // selected runs whose results are in the view
  std::size_t ok = 0, diverged = 0, failed = 0;
  std::string view_id;  // a hash of the selected run ids, in order: which runs the tables show
  std::string shard;    // "I/N" when the sweep ran one shard (normlab run --shard), else ""
  std::string out_dir;  // the sweep's output directory: its own files do not make the tree dirty
};

std::string manifest_json(const SweepConfig& config, const RunPlan& plan, const SweepRecord& record);
std::string utc_now_iso();
std::string utc_iso(std::time_t time);  // "2026-12-03T10:00:00Z": compares as text in time order

}  // namespace normlab
