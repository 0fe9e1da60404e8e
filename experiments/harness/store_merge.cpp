#include "experiments/harness/store_merge.hpp"

#include <filesystem>
#include <map>
#include <stdexcept>

#include <unistd.h>

#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/csv.hpp"
#include "experiments/harness/directory_lock.hpp"
#include "experiments/harness/manifest.hpp"
#include "experiments/harness/manifest_reader.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/run_store.hpp"
#include "norms/core/errors.hpp"

namespace fs = std::filesystem;

namespace normlab {

namespace {

// A stored run's results, without what may differ between two runs of it (its wall time and when
// it finished).
std::string comparable_results(const fs::path& run) {
  CsvTable outcome = read_csv((run / "outcome.csv").string());
  std::string text;
  for (std::size_t c = 0; c < outcome.header.size(); ++c) {
    if (outcome.header[c] == "wall_seconds" || outcome.header[c] == "finished") continue;
    text += outcome.header[c] + "=" + (outcome.rows.empty() ? "" : outcome.rows[0].at(c)) + "\n";
  }
  text += read_file((run / "config.txt").string()) + read_file((run / "curves.csv").string()) +
          read_file((run / "layer_stats.csv").string());
  if (fs::exists(run / "probes.csv")) text += "probes:\n" + read_file((run / "probes.csv").string());
  return text;
}

void copy_run(const fs::path& from, const fs::path& runs_dir) {
  const fs::path final_dir = runs_dir / from.filename();
  const fs::path partial = runs_dir / (from.filename().string() + ".partial." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  for (const char* name : {"config.txt", "settings.csv", "outcome.csv", "curves.csv", "layer_stats.csv"})
    write_file_durably((partial / name).string(), read_file((from / name).string()));
  if (fs::exists(from / "probes.csv"))  // runs with probes only
    write_file_durably((partial / "probes.csv").string(), read_file((from / "probes.csv").string()));
  // A run's final checkpoint (checkpoint_every > 0) travels with it; it is not compared, as its
  // __metadata__ holds the sweep's label of the run.
  const fs::path checkpoint = from / "checkpoint.safetensors";
  if (fs::exists(checkpoint))
    write_file_durably((partial / "checkpoint.safetensors").string(), read_file(checkpoint.string()));
  write_file_durably((partial / "done").string(), "");
  sync_directory(partial.string());
  fs::rename(partial, final_dir, ec);
  if (ec) throw std::runtime_error("cannot rename " + partial.string() + " to " + final_dir.string() + ": " + ec.message());
}

bool finished(const fs::path& run) { return fs::exists(run / "done") && fs::exists(run / "config.txt"); }

}  // namespace

MergeCounts merge_stores(const std::string& into, const std::vector<std::string>& sources,
                         const std::string& command_line) {
  if (sources.empty()) throw InputError("normlab merge: give the stores to merge into " + into);
  // The sweep: from the target's manifest, else the first source's; every manifest must agree.
  std::vector<std::string> manifests;
  if (fs::exists(into + "/manifest.json")) manifests.push_back(into + "/manifest.json");
  for (const auto& source : sources) {
    if (!fs::is_directory(source + "/.runs"))
      throw InputError(source + " is not a results store of normlab run (no " + source + "/.runs)");
    if (fs::exists(source + "/manifest.json")) manifests.push_back(source + "/manifest.json");
  }
  if (manifests.empty()) throw InputError("normlab merge: no manifest.json in " + into + " or the stores to merge");
  const ManifestSweep sweep = read_manifest_sweep(manifests.front());
  for (const auto& path : manifests) {
    const ManifestSweep other = read_manifest_sweep(path);
    if (other.name != sweep.name)
      throw InputError(path + " holds the sweep '" + other.name + "', " + manifests.front() + " the sweep '" +
                       sweep.name + "'; normlab merges stores of one sweep (by name) and never mixes two");
  }
  const SweepConfig config = sweep.config();
  const RunPlan plan = expand_sweep(config);

  std::error_code ec;
  fs::create_directories(into, ec);
  if (ec) throw std::runtime_error("cannot create " + into + ": " + ec.message());
  DirectoryLock lock(into);
  RunStore store(into);
  store.prepare();
  const fs::path runs_dir = fs::path(into) / ".runs";

  // Every conflict is found before anything is copied: a merge is all or nothing.
  MergeCounts counts;
  std::map<std::string, fs::path> to_copy;  // run id -> the source run copied in
  for (const auto& source : sources) {
    if (fs::equivalent(source, into, ec)) continue;
    for (const auto& entry : fs::directory_iterator(fs::path(source) / ".runs")) {
      if (!finished(entry.path())) continue;
      const std::string id = entry.path().filename().string();
      const fs::path mine = runs_dir / id;
      const auto queued = to_copy.find(id);
      if (!finished(mine) && queued == to_copy.end()) {
        to_copy[id] = entry.path();
        continue;
      }
      const fs::path other = finished(mine) ? mine : queued->second;
      if (comparable_results(other) != comparable_results(entry.path()))
        throw InputError("run " + id + " has different results in " + entry.path().string() + " and " +
                         other.string() + "; nothing was merged");
      ++counts.already;
    }
  }
  for (const auto& [id, run] : to_copy) copy_run(run, runs_dir);
  counts.copied = to_copy.size();
  sync_directory(runs_dir.string());

  SweepRecord record;
  record.command_line = command_line;
  record.out_dir = into;
  record.start_time = utc_now_iso();
  record.view_id = view_id_of(plan);
  for (const auto& run : plan.runs) {
    if (!store.is_done(run)) continue;
    const std::string status = store.status_of(run);
    ++(status == "ok" ? record.ok : status == "diverged" ? record.diverged : record.failed);
  }
  record.done = store.write_view(plan);
  record.state = record.done == plan.runs.size() ? "complete" : "interrupted";
  record.end_time = utc_now_iso();
  write_file_atomically(into + "/manifest.json", manifest_json(config, plan, record));
  counts.selected = plan.runs.size();
  counts.done = record.done;
  return counts;
}

}  // namespace normlab
