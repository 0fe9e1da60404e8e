#include "experiments/harness/run_store.hpp"

#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"

namespace fs = std::filesystem;

namespace normlab {

const char* const kCurvesHeader = "run_id,step,epoch,split,metric,value\n";
const char* const kLayerStatsHeader = "run_id,step,layer,stat,value\n";

std::vector<std::string> runs_csv_header(const RunPlan& plan) {
  std::vector<std::string> header = {"run_id"};
  header.insert(header.end(), plan.columns.begin(), plan.columns.end());
  for (const char* c : {"status", "diverged_step", "error", "train_loss", "train_accuracy", "test_loss",
                        "test_accuracy", "steps_done", "wall_seconds"})
    header.push_back(c);
  return header;
}

std::string runs_csv_row(const RunConfig& run, const RunOutcome& outcome) {
  std::vector<std::string> row = {run.id};
  row.insert(row.end(), run.column_values.begin(), run.column_values.end());
  const bool ok = outcome.status == "ok";
  const TrainResult& r = outcome.result;
  // Final metrics only for runs that finished; a diverged or failed run has none (empty = NaN).
  auto metric = [&](double v) { return ok ? shortest_number(v) : std::string(); };
  row.push_back(outcome.status);
  row.push_back(outcome.status == "diverged" ? std::to_string(outcome.diverged_step) : "");
  row.push_back(outcome.error);
  row.push_back(metric(r.train_loss));
  row.push_back(metric(r.train_accuracy));
  row.push_back(metric(r.test_loss));
  row.push_back(metric(r.test_accuracy));
  row.push_back(std::to_string(r.steps_done));
  row.push_back(fmt::format("{:.3f}", outcome.wall_seconds));  // timing: may differ between sweeps
  return csv_row(row);
}

RunStore::RunStore(std::string dir, const RunPlan& plan) : dir_(std::move(dir)), plan_(plan) {}

std::string RunStore::run_dir(const RunConfig& run) const { return dir_ + "/.runs/" + run.id; }

std::string RunStore::config_signature(const RunConfig& run) const {
  return csv_row(plan_.columns) + csv_row(run.column_values);
}

void RunStore::prepare() {
  std::error_code ec;
  fs::create_directories(dir_ + "/.runs", ec);
  if (ec) throw std::runtime_error("cannot create " + dir_ + "/.runs: " + ec.message());
  for (const auto& entry : fs::directory_iterator(dir_ + "/.runs")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 8 && name.compare(name.size() - 8, 8, ".partial") == 0) fs::remove_all(entry.path());
  }
}

bool RunStore::is_done(const RunConfig& run) const {
  const std::string d = run_dir(run);
  if (!fs::exists(d + "/done")) return false;
  try {
    return read_file(d + "/config.csv") == config_signature(run);
  } catch (const std::exception&) {
    return false;
  }
}

std::string RunStore::status_of(const RunConfig& run) const {
  const CsvTable row = parse_csv(csv_row(runs_csv_header(plan_)) + read_file(run_dir(run) + "/row.csv"),
                                 run_dir(run) + "/row.csv");
  return row.rows.at(0).at(row.column("status", run_dir(run)));
}

void RunStore::save(const RunConfig& run, const RunOutcome& outcome) {
  const std::string final_dir = run_dir(run);
  const std::string partial = final_dir + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  write_file_durably(partial + "/config.csv", config_signature(run));
  write_file_durably(partial + "/row.csv", runs_csv_row(run, outcome));
  write_file_durably(partial + "/curves.csv", outcome.curves_rows);
  write_file_durably(partial + "/layer_stats.csv", outcome.stats_rows);
  write_file_durably(partial + "/done", "");
  sync_directory(partial);
  fs::remove_all(final_dir);  // an older result made with another configuration
  fs::rename(partial, final_dir);
  sync_directory(dir_ + "/.runs");
}

void RunStore::merge() const {
  std::string runs = csv_row(runs_csv_header(plan_)), curves = kCurvesHeader, stats = kLayerStatsHeader;
  for (const auto& run : plan_.runs) {
    if (!is_done(run)) continue;
    const std::string d = run_dir(run);
    runs += read_file(d + "/row.csv");
    curves += read_file(d + "/curves.csv");
    stats += read_file(d + "/layer_stats.csv");
  }
  write_file_atomically(dir_ + "/curves.csv", curves);
  write_file_atomically(dir_ + "/layer_stats.csv", stats);
  write_file_atomically(dir_ + "/runs.csv", runs);
}

}  // namespace normlab
