// normlab runs, gc and merge: what a results store holds, removing the runs the current sweep no
// longer selects (only when asked), and combining stores of one sweep.
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/harness/directory_lock.hpp"
#include "experiments/harness/manifest.hpp"
#include "experiments/harness/manifest_reader.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/run_store.hpp"
#include "experiments/harness/store_merge.hpp"
#include "norms/core/errors.hpp"

namespace normlab::cli {

namespace {

void require_store(const std::string& dir) {
  if (!std::filesystem::is_directory(dir + "/.runs"))
    throw InputError(dir + " is not a results store of normlab run (no " + dir + "/.runs)");
}

// The ids the directory's current sweep (its manifest) selects; empty without a manifest.
std::set<std::string> selected_ids(const std::string& dir) {
  std::set<std::string> ids;
  if (!std::filesystem::exists(dir + "/manifest.json")) return ids;
  for (const auto& run : expand_sweep(read_manifest_sweep(dir + "/manifest.json").config()).runs) ids.insert(run.id);
  return ids;
}

// The settings whose values differ between the stored runs, as "key=value ...".
std::vector<std::string> differing_settings(const std::vector<StoredRun>& runs) {
  std::map<std::string, std::set<std::string>> values;
  for (const auto& run : runs)
    for (const auto& [key, value] : run.settings) values[key].insert(value);
  std::vector<std::string> out;
  for (const auto& run : runs) {
    std::string text;
    for (const auto& [key, value] : run.settings)
      if (values[key].size() > 1) text += (text.empty() ? "" : " ") + key + "=" + value;
    out.push_back(text.empty() ? "(the only configuration)" : text);
  }
  return out;
}

}  // namespace

int runs_command(int argc, char** argv, int first) {
  Args args("runs", "Lists every run in a results store: its id, status, when it finished, whether the sweep of the\n"
                    "directory's manifest.json selects it (its tables show it), and the settings that differ\n"
                    "between the stored runs. Nothing is changed.");
  args.positional("DIR", "results store of normlab run");
  if (!args.parse(argc, argv, first)) return 0;
  const std::string dir = args.get("DIR");
  require_store(dir);
  const std::vector<StoredRun> runs = RunStore(dir).list();
  const std::set<std::string> selected = selected_ids(dir);
  const std::vector<std::string> settings = differing_settings(runs);
  std::cout << "run_id            status    finished              view  settings\n";
  std::size_t in_view = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const bool shown = selected.count(runs[i].id) != 0;
    in_view += shown;
    std::cout << runs[i].id << "  " << runs[i].status << std::string(10 - std::min<std::size_t>(9, runs[i].status.size()), ' ')
              << runs[i].finished << std::string(22 - std::min<std::size_t>(21, runs[i].finished.size()), ' ')
              << (shown ? "yes " : "no  ") << "  " << settings[i] << "\n";
  }
  std::cout << runs.size() << " runs stored; " << in_view << " in the view of " << dir << "/manifest.json";
  if (runs.size() > in_view) std::cout << "; normlab gc " << dir << " --unselected removes the other " << runs.size() - in_view;
  std::cout << "\n";
  return 0;
}

int gc_command(int argc, char** argv, int first) {
  Args args("gc", "Removes stored runs that the directory's current sweep (manifest.json) does not select: only\n"
                  "when asked with --unselected, and with --older-than only those finished that many days ago\n"
                  "or earlier. Runs the tables show are never removed.");
  args.positional("DIR", "results store of normlab run")
      .flag("unselected", "remove the runs the current sweep does not select")
      .option("older-than", "DAYS", "only runs that finished at least DAYS days ago")
      .flag("dry-run", "print what would be removed and remove nothing");
  if (!args.parse(argc, argv, first)) return 0;
  if (!args.flag_set("unselected"))
    throw InputError("normlab gc removes only what you name: give --unselected (see normlab gc --help)");
  const std::string dir = args.get("DIR");
  require_store(dir);
  if (!std::filesystem::exists(dir + "/manifest.json"))
    throw InputError(dir + " has no manifest.json: without its sweep, no run can be told unselected");
  std::string cutoff;  // ISO 8601 UTC: compares as text
  if (args.has("older-than")) {
    const double days = parse_double("--older-than", args.get("older-than"));
    if (!(days >= 0)) throw InputError("--older-than: expected a number of days >= 0");
    cutoff = utc_iso(std::time(nullptr) - std::time_t(days * 86400));
  }
  DirectoryLock lock(dir);  // not while a sweep writes the store
  RunStore store(dir);
  const std::set<std::string> selected = selected_ids(dir);
  std::size_t removed = 0;
  for (const auto& run : store.list()) {
    if (selected.count(run.id) || (!cutoff.empty() && run.finished > cutoff)) continue;
    std::cout << (args.flag_set("dry-run") ? "would remove " : "removed ") << run.id << "\n";
    if (!args.flag_set("dry-run")) std::filesystem::remove_all(store.run_dir(run.id));
    ++removed;
  }
  std::cout << removed << " runs " << (args.flag_set("dry-run") ? "would be " : "") << "removed from " << dir << "\n";
  return 0;
}

int merge_command(int argc, char** argv, int first) {
  Args args("merge", "Merges results stores of one sweep (e.g. its shards, run with normlab run --shard I/N on other\n"
                     "machines) into DIR: the union of their runs, then DIR's tables as the view of the whole sweep.\n"
                     "A run with different results in two stores is an error naming it, and nothing is merged.");
  args.positional("DIR", "the store to merge into (created if needed)")
      .positional("STORE", "stores to merge in", /*required=*/true, /*many=*/true);
  if (!args.parse(argc, argv, first)) return 0;
  const std::vector<std::string> sources = args.all("STORE");
  const MergeCounts counts = merge_stores(args.get("DIR"), sources, "normlab merge");
  std::cout << "merged " << sources.size() << " stores into " << args.get("DIR") << ": " << counts.copied
            << " runs copied, " << counts.already << " already there; " << counts.done << "/" << counts.selected
            << " runs of the sweep done\n";
  return 0;
}

}  // namespace normlab::cli
