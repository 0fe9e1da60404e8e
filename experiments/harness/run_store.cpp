#include "experiments/harness/run_store.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <unistd.h>

#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/config_keys.hpp"
#include "experiments/harness/config_value.hpp"
#include "experiments/harness/csv.hpp"

namespace fs = std::filesystem;

namespace normlab {

const char* const kCurvesHeader = "run_id,step,epoch,split,metric,value\n";
const char* const kLayerStatsHeader = "run_id,step,layer,stat,value\n";
const char* const kProbesHeader = "run_id,step,layer,probe,stat,value\n";

const std::vector<std::string>& outcome_columns() {
  static const std::vector<std::string> columns = {"status",        "diverged_step",  "error",
                                                   "train_loss",    "train_accuracy", "test_loss",
                                                   "test_accuracy", "steps_done",     "wall_seconds"};
  return columns;
}

std::vector<std::string> runs_csv_header(const RunPlan& plan) {
  std::vector<std::string> header = {"run_id", "label"};
  header.insert(header.end(), plan.columns.begin(), plan.columns.end());
  header.insert(header.end(), outcome_columns().begin(), outcome_columns().end());
  return header;
}

std::vector<std::string> outcome_fields(const RunOutcome& outcome) {
  const bool ok = outcome.status == "ok";
  const TrainResult& r = outcome.result;
  // Final metrics only for runs that finished; a diverged or failed run has none (empty = NaN).
  auto metric = [&](double v) { return ok ? shortest_number(v) : std::string(); };
  return {outcome.status,
          outcome.status == "diverged" ? std::to_string(outcome.diverged_step) : "",
          outcome.error,
          metric(r.train_loss),
          metric(r.train_accuracy),
          metric(r.test_loss),
          metric(r.test_accuracy),
          std::to_string(r.steps_done),
          fmt::format("{:.3f}", outcome.wall_seconds)};  // timing: may differ between sweeps
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The pid at the end of "name.<marker>.<pid>", or 0.
pid_t trailing_pid(const std::string& name, const std::string& marker) {
  const auto at = name.rfind(marker);
  if (at == std::string::npos) return 0;
  const std::string digits = name.substr(at + marker.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return pid_t(std::stol(digits));
}

bool process_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// The first data row of a two-line CSV file, as header -> value.
std::vector<std::pair<std::string, std::string>> read_record(const std::string& path) {
  const CsvTable table = read_csv(path);
  std::vector<std::pair<std::string, std::string>> record;
  if (table.rows.empty()) return record;
  for (std::size_t c = 0; c < table.header.size() && c < table.rows[0].size(); ++c)
    record.emplace_back(table.header[c], table.rows[0][c]);
  return record;
}

// key,value rows of settings.csv.
std::vector<std::pair<std::string, std::string>> read_record_rows(const std::string& path) {
  const CsvTable table = read_csv(path);
  std::vector<std::pair<std::string, std::string>> record;
  for (const auto& row : table.rows)
    if (row.size() >= 2) record.emplace_back(row[0], row[1]);
  return record;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& record, const std::string& name) {
  for (const auto& [key, value] : record)
    if (key == name) return value;
  return "";
}

}  // namespace

RunStore::RunStore(std::string dir) : dir_(std::move(dir)) {}

void RunStore::prepare() {
  std::error_code ec;
  fs::create_directories(dir_ + "/.runs", ec);
  if (ec) throw std::runtime_error("cannot create " + dir_ + "/.runs: " + ec.message());
  // Partial runs and temporary files of processes that died (a kill -9 leaves them); those of a
  // live process (another shard on this machine) are left alone.
  for (const std::string& where : {dir_ + "/.runs", dir_}) {
    for (const auto& entry : fs::directory_iterator(where, ec)) {
      const std::string name = entry.path().filename().string();
      const pid_t partial = trailing_pid(name, ".partial."), temporary = trailing_pid(name, ".tmp.");
      if ((partial && !process_alive(partial)) || (temporary && !process_alive(temporary)))
        fs::remove_all(entry.path(), ec);
      else if (ends_with(name, ".partial"))  // the layout of normlab 0.1's stores
        fs::remove_all(entry.path(), ec);
      else if (ends_with(name, ".checkpoint"))  // a checkpoint write cut short leaves its temporary file
        for (const auto& file : fs::directory_iterator(entry.path(), ec)) {
          const pid_t writer = trailing_pid(file.path().filename().string(), ".tmp.");
          if (writer && !process_alive(writer)) fs::remove(file.path(), ec);
        }
    }
  }
}

std::string RunStore::prepare_checkpoint(const std::string& id) const {
  const std::string d = dir_ + "/.runs/" + id + ".checkpoint";
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw std::runtime_error("cannot create " + d + ": " + ec.message());
  return d + "/checkpoint.safetensors";
}

bool RunStore::is_done(const RunConfig& run) const {
  const std::string d = run_dir(run.id);
  if (!fs::exists(d + "/done")) return false;
  const std::string stored = read_file(d + "/config.txt");
  if (stored != run.canonical)
    throw std::runtime_error("run id " + run.id + " in " + d + " holds another configuration (a hash collision); "
                             "move that run away to keep both");
  return true;
}

std::string RunStore::status_of(const RunConfig& run) const {
  return field(read_record(run_dir(run.id) + "/outcome.csv"), "status");
}

void RunStore::save(const RunConfig& run, const RunOutcome& outcome) {
  const std::string final_dir = run_dir(run.id);
  if (fs::exists(final_dir + "/done")) return;  // finished meanwhile by another process: keep that one
  const std::string partial = final_dir + ".partial." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  if (ec) throw std::runtime_error("cannot create " + partial + ": " + ec.message());
  std::string settings = "key,value\n";
  for (const auto& [key, value] : run.settings) settings += csv_row({key, value});
  std::vector<std::string> header = outcome_columns(), values = outcome_fields(outcome);
  header.push_back("finished");
  values.push_back(outcome.finished);
  write_file_durably(partial + "/config.txt", run.canonical);
  write_file_durably(partial + "/settings.csv", settings);
  write_file_durably(partial + "/outcome.csv", csv_row(header) + csv_row(values));
  write_file_durably(partial + "/curves.csv", outcome.curves_rows);
  write_file_durably(partial + "/layer_stats.csv", outcome.stats_rows);
  if (!outcome.probe_rows.empty()) write_file_durably(partial + "/probes.csv", outcome.probe_rows);
  // The final checkpoint joins the run (a hard link: the file is on disk already; a copy where
  // links are not possible); its directory goes once the run is in place.
  const std::string checkpoint_dir = final_dir + ".checkpoint", checkpoint = checkpoint_dir + "/checkpoint.safetensors";
  if (run.checkpoint_every > 0 && fs::exists(checkpoint)) {
    fs::create_hard_link(checkpoint, partial + "/checkpoint.safetensors", ec);
    if (ec) write_file_durably(partial + "/checkpoint.safetensors", read_file(checkpoint));
  }
  write_file_durably(partial + "/done", "");
  sync_directory(partial);
  // An empty or half-made directory of that name (a crash before this layout's rename) goes; a
  // finished one never reaches here.
  fs::remove_all(final_dir, ec);
  fs::rename(partial, final_dir, ec);
  if (ec) throw std::runtime_error("cannot rename " + partial + " to " + final_dir + ": " + ec.message());
  sync_directory(dir_ + "/.runs");
  fs::remove_all(checkpoint_dir, ec);
}

std::size_t RunStore::write_view(const RunPlan& plan) const {
  std::string runs = csv_row(runs_csv_header(plan)), curves = kCurvesHeader, stats = kLayerStatsHeader,
              probes = kProbesHeader;
  // probes.csv joins the view when a run of the sweep has probes, and stays once it is there (so
  // that it never shows runs the view does not hold).
  bool with_probes = fs::exists(dir_ + "/probes.csv");
  for (const auto& run : plan.runs) with_probes = with_probes || !run.train.probes.probes.empty();
  std::size_t count = 0;
  for (const auto& run : plan.runs) {
    if (!is_done(run)) continue;
    const std::string d = run_dir(run.id);
    std::vector<std::string> row = {run.id, run.label};
    row.insert(row.end(), run.column_values.begin(), run.column_values.end());
    const auto outcome = read_record(d + "/outcome.csv");
    for (const auto& column : outcome_columns()) row.push_back(field(outcome, column));
    runs += csv_row(row);
    curves += read_file(d + "/curves.csv");
    stats += read_file(d + "/layer_stats.csv");
    if (with_probes && fs::exists(d + "/probes.csv")) probes += read_file(d + "/probes.csv");
    ++count;
  }
  write_file_atomically(dir_ + "/curves.csv", curves);
  write_file_atomically(dir_ + "/layer_stats.csv", stats);
  if (with_probes) write_file_atomically(dir_ + "/probes.csv", probes);
  write_file_atomically(dir_ + "/runs.csv", runs);
  return count;
}

std::vector<StoredRun> RunStore::list() const {
  std::vector<StoredRun> runs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/.runs", ec)) {
    if (!fs::exists(entry.path() / "done") || !fs::exists(entry.path() / "settings.csv")) continue;
    StoredRun run;
    run.id = entry.path().filename().string();
    run.settings = read_record_rows(entry.path().string() + "/settings.csv");
    const auto outcome = read_record(entry.path().string() + "/outcome.csv");
    run.status = field(outcome, "status");
    run.finished = field(outcome, "finished");
    runs.push_back(run);
  }
  std::sort(runs.begin(), runs.end(), [](const StoredRun& a, const StoredRun& b) { return a.id < b.id; });
  return runs;
}

}  // namespace normlab
