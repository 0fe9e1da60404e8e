// normlab run: trains every run of a sweep configuration and logs the results to CSV files.
#include <cstdio>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/sweep_setup.hpp"
#include "experiments/harness/config_keys.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/shell_quote.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "experiments/harness/sweep_runner.hpp"
#include "experiments/harness/training_run.hpp"
#include "experiments/parallel/sweep_over_processes.hpp"
#include "norms/core/errors.hpp"

namespace normlab::cli {

namespace {

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + shell_quote(argv[i]);
  return out;
}

}  // namespace

int sweep_command(int argc, char** argv, int first);

// Under mpirun every process parses the same command; only rank 0 speaks, so that an error or the
// help is printed once (the others exit with the same status).
int run_command(int argc, char** argv, int first) {
  if (launched_rank() == 0) return sweep_command(argc, argv, first);
  try {
    std::FILE* quiet = std::freopen("/dev/null", "w", stdout);
    (void)quiet;
    return sweep_command(argc, argv, first);
  } catch (const InputError&) {
    return 2;
  } catch (const std::exception&) {
    return 1;
  }
}

int sweep_command(int argc, char** argv, int first) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  Args args("run", "Trains every run of a sweep (the Cartesian product of the keys given as lists) and writes\n"
                   "manifest.json, runs.csv, curves.csv and layer_stats.csv. A run is identified by its resolved\n"
                   "configuration: running the same command again resumes, and a changed sweep reuses every run\n"
                   "it shares with an earlier one; nothing finished is deleted (normlab runs DIR lists the store).");
  args.positional("CONFIG", "sweep configuration (TOML), e.g. experiments/configs/quickstart.toml")
      .repeated("set", "KEY=VALUE", "override a key; VALUE is TOML (lr=0.1, batch_size=[2,4,8], norm='\"batch\"') "
                                    "or an unquoted string (norm=group:num_groups=8)")
      .option("jobs", "N", "runs in parallel, one core each", std::to_string(cores))
      .option("threads", "T", "threads inside each run (the results are the same bits for any T)", "1")
      .option("out", "DIR", "results store (default: runs/<name>, runs/<name>-quick with --quick); runs of "
                            "other configurations already in it are kept, never overwritten")
      .flag("quick", "apply the configuration's [quick] table (a scale that runs in seconds)")
      .option("shard", "I/N", "run only the runs whose index modulo N is I (0 <= I < N), into the same store "
                              "layout; combine shards' stores with normlab merge")
      .flag("dry-run", "print the expanded runs and exit")
      .epilog("Runs are ordered as nested loops over the keys in this order (the first outermost):\n" +
              sweep_axis_order(90) +
              ".\nExit status: 0 when every run finished (ok or diverged),\n"
              "1 when a run failed or the sweep could not run, 2 for a configuration or usage error.");
  if (!args.parse(argc, argv, first)) return 0;

  const CheckedSweep sweep = load_checked_sweep(args);
  const SweepConfig& config = sweep.config;
  const std::string shard_text = args.has("shard") ? args.get("shard") : "";
  const RunPlan plan = shard_text.empty() ? sweep.plan : shard_of(sweep.plan, parse_shard(shard_text));
  const std::size_t jobs = static_cast<std::size_t>(parse_long("--jobs", args.get("jobs"), 1));
  const std::size_t threads = static_cast<std::size_t>(parse_long("--threads", args.get("threads"), 1));
  constexpr std::size_t kMaxThreads = 256;
  if (threads > kMaxThreads)
    throw InputError("--threads " + std::to_string(threads) + ": at most " + std::to_string(kMaxThreads) +
                     " threads per run");
  const std::string out_dir = output_dir(args, config);
  const std::string note = merged_combinations_note(plan);

  MpiProcesses processes;  // this process alone, or the processes mpirun started
  if (args.flag_set("dry-run")) {
    std::cout << config.name << ": " << plan.runs.size() << " runs into " << out_dir << "/\n";
    if (!note.empty()) std::cout << note << "\n";
    for (const auto& run : plan.runs) std::cout << run.id << "  " << run.label << "\n";
    return 0;
  }

  check_processes_for(plan, processes, config.file);
  TrainingRuns training;
  if (processes.rank() > 0) {
    serve_announced_runs(processes, plan, training, threads);
    return 0;
  }
  const EndOfSweepAnnouncement end_of_sweep(processes);
  SweepOptions options;
  options.out_dir = out_dir;
  // Over several processes the runs go one at a time, each over its ranks.
  options.jobs = processes.size() > 1 ? 1 : jobs;
  options.threads = threads;
  options.run = announcing_run_function(processes, training);
  options.expect = [&training](const std::vector<const RunConfig*>& pending) { training.expect(pending); };
  options.progress_out = stdout;
  options.terminal = isatty(fileno(stdout)) != 0;
  options.command_line = command_line(argc, argv);
  options.shard = shard_text.empty() ? "" : parse_shard(shard_text).text();

  if (processes.size() > 1)
    std::printf("%s: %zu runs over %zu processes, one run at a time, results in %s/\n", config.name.c_str(),
                plan.runs.size(), processes.size(), out_dir.c_str());
  else
    std::printf("%s: %zu runs, %zu jobs, results in %s/\n", config.name.c_str(), plan.runs.size(), jobs,
                out_dir.c_str());
  if (!note.empty()) std::printf("%s\n", note.c_str());
  std::fflush(stdout);
  const SweepCounts counts = run_sweep(config, plan, options);
  std::printf("%s: %zu runs: %zu ok, %zu diverged, %zu failed%s; results in %s/ (runs.csv, curves.csv, "
              "layer_stats.csv, manifest.json)\n",
              config.name.c_str(), plan.runs.size(), counts.ok, counts.diverged, counts.failed,
              counts.reused ? (" (" + std::to_string(counts.reused) + " done before)").c_str() : "", out_dir.c_str());
  return counts.failed ? 1 : 0;
}

}  // namespace normlab::cli
