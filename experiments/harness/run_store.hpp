// Where a sweep keeps each run's results until they are merged: DIR/.runs/<run_id>/ holds
//   config.csv   the run's configuration columns (header and values), checked on resume
//   row.csv      its runs.csv row
//   curves.csv, layer_stats.csv   its rows of those files (no header)
//   done         an empty marker, written last
// The files are written into DIR/.runs/<run_id>.partial/ and the directory is then renamed, so a
// run's results appear whole or not at all. merge() writes the final CSVs (each atomically) by
// concatenating the runs' files in run order, which makes them byte-identical whatever order the
// runs finished in, however many jobs ran them and whether the sweep was resumed.
#pragma once

#include <string>
#include <vector>

#include "experiments/harness/run_plan.hpp"

namespace normlab {

struct RunOutcome {
  std::string status = "ok";  // ok | diverged | failed
  std::size_t diverged_step = 0;
  std::string error;
  TrainResult result;
  double wall_seconds = 0;
  std::string curves_rows;  // CSV rows with the run id, as in curves.csv
  std::string stats_rows;   // CSV rows with the run id, as in layer_stats.csv
};

extern const char* const kCurvesHeader;      // "run_id,step,epoch,split,metric,value\n"
extern const char* const kLayerStatsHeader;  // "run_id,step,layer,stat,value\n"
std::vector<std::string> runs_csv_header(const RunPlan& plan);
std::string runs_csv_row(const RunConfig& run, const RunOutcome& outcome);

class RunStore {
 public:
  RunStore(std::string dir, const RunPlan& plan);

  // Creates DIR and DIR/.runs and removes the .partial directories of interrupted runs.
  void prepare();
  // True when the run's results are complete and were made with the same configuration.
  bool is_done(const RunConfig& run) const;
  // Its status column (ok, diverged, failed) for a done run.
  std::string status_of(const RunConfig& run) const;
  void save(const RunConfig& run, const RunOutcome& outcome);
  // Writes runs.csv, curves.csv and layer_stats.csv from every done run, in run order.
  void merge() const;

  const std::string& dir() const { return dir_; }

 private:
  std::string run_dir(const RunConfig& run) const;
  std::string config_signature(const RunConfig& run) const;

  std::string dir_;
  const RunPlan& plan_;
};

}  // namespace normlab
