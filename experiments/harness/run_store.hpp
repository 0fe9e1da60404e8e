// A results directory is a store of runs, never scratch space. Each finished run lives in
//   DIR/.runs/<run id>/   (run_identity.hpp: the id is a hash of the run's resolved configuration)
//     config.txt      the canonical configuration the id hashes (checked on reuse)
//     settings.csv    key,value: every key as the run used it (for `normlab runs`)
//     outcome.csv     status, diverged_step, error, final metrics, steps_done, wall_seconds, finished
//     curves.csv, layer_stats.csv   its rows of those tables (no header)
//     probes.csv      its rows of probes.csv (no header), for runs with probes only
//     checkpoint.safetensors   the final checkpoint, for runs with checkpoint_every > 0
//     done            an empty marker, written last
// While a run with checkpoint_every > 0 trains, its checkpoint is DIR/.runs/<run id>.checkpoint/
// checkpoint.safetensors (replaced atomically); a rerun after a kill resumes from it.
// written into DIR/.runs/<run id>.partial.<pid>/ and renamed into place, so a run appears whole or
// not at all. Nothing that finished is ever deleted or overwritten by a sweep: runs of other
// configurations stay in the store (`normlab runs DIR` lists them; `normlab gc` removes them only
// when asked).
//
// The tables DIR/runs.csv, curves.csv and layer_stats.csv are a *view*: the finished runs that the
// current sweep selects, in sweep order, rewritten (each file atomically) after every finished run.
// They are written curves, layer_stats, then runs.csv, so after a kill at any point runs.csv never
// names a run whose rows are missing from the other two; readers take runs.csv as the authority.
// DIR/probes.csv (run_id, step, layer, probe, stat, value) is part of the view when a run of the
// sweep has probes (or the file is there from an earlier sweep), written before runs.csv too.
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
  std::string finished;     // UTC time, ISO 8601
  std::string curves_rows;  // CSV rows with the run id, as in curves.csv
  std::string stats_rows;   // CSV rows with the run id, as in layer_stats.csv
  std::string probe_rows;   // CSV rows with the run id, as in probes.csv
};

extern const char* const kCurvesHeader;      // "run_id,step,epoch,split,metric,value\n"
extern const char* const kLayerStatsHeader;  // "run_id,step,layer,stat,value\n"
extern const char* const kProbesHeader;      // "run_id,step,layer,probe,stat,value\n"
std::vector<std::string> runs_csv_header(const RunPlan& plan);
const std::vector<std::string>& outcome_columns();  // status ... wall_seconds, as in runs.csv
std::vector<std::string> outcome_fields(const RunOutcome& outcome);

// A stored run as `normlab runs` lists it.
struct StoredRun {
  std::string id;
  std::vector<std::pair<std::string, std::string>> settings;  // key, value
  std::string status, finished;
};

class RunStore {
 public:
  explicit RunStore(std::string dir);

  // Creates DIR/.runs and removes what dead processes left: partial runs and temporary files.
  void prepare();
  // True when the run's results are in the store. A stored run with the same id but another
  // configuration (a hash collision) is a runtime error naming both.
  bool is_done(const RunConfig& run) const;
  std::string status_of(const RunConfig& run) const;  // ok, diverged or failed, for a done run
  void save(const RunConfig& run, const RunOutcome& outcome);
  // Rewrites the view of the plan's done runs; returns how many it holds.
  std::size_t write_view(const RunPlan& plan) const;
  // Every finished run in the store, by id.
  std::vector<StoredRun> list() const;

  const std::string& dir() const { return dir_; }
  std::string run_dir(const std::string& id) const { return dir_ + "/.runs/" + id; }
  // The checkpoint file of an unfinished run, after creating its directory.
  std::string prepare_checkpoint(const std::string& id) const;

 private:
  std::string dir_;
};

}  // namespace normlab
