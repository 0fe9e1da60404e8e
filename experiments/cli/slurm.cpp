// normlab slurm: writes (and with --submit submits) the job array and merge job of a sweep.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "experiments/cli/args.hpp"
#include "experiments/cli/commands.hpp"
#include "experiments/cli/sweep_setup.hpp"
#include "experiments/harness/atomic_file.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/shell_quote.hpp"
#include "experiments/harness/slurm_jobs.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "norms/core/errors.hpp"

namespace fs = std::filesystem;

namespace normlab::cli {

namespace {

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

std::string this_executable() {
  std::error_code ec;
  const auto path = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this normlab executable (/proc/self/exe): " + ec.message());
  return path.string();
}

// Runs sbatch and returns the job id it printed.
std::string submit(const std::string& arguments) {
  const std::string command = "sbatch --parsable " + arguments + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run sbatch");
  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), int(buffer.size()), pipe.get())) output += buffer.data();
  const int status = pclose(pipe.release());
  if (status != 0)
    throw std::runtime_error("`" + command.substr(0, command.size() - 5) + "` failed (is Slurm installed and "
                             "SLURM_CONF set?): " + output.substr(0, output.find('\n')));
  return parse_sbatch_job_id(output);
}

}  // namespace

int slurm_command(int argc, char** argv, int first) {
  Args args("slurm", "Writes a Slurm job array that runs a sweep in shards (one array task per shard, reading\n"
                     "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) and a merge job that runs after it\n"
                     "(--dependency=afterok), into OUT/slurm/; with --submit, submits both with sbatch.\n"
                     "The merged OUT equals `normlab run CONFIG --out OUT` run locally.");
  args.positional("CONFIG", "sweep configuration (TOML)")
      .repeated("set", "KEY=VALUE", "override a key, as for normlab run")
      .flag("quick", "apply the configuration's [quick] table")
      .option("out", "DIR", "results store (default: runs/<name>, runs/<name>-quick with --quick)")
      .option("shards", "N", "array tasks, each running every N-th run (default: the runs, at most 8)")
      .option("array-parallelism", "P", "at most P array tasks at once (sbatch --array=...%P)")
      .option("partition", "NAME", "Slurm partition (default: the cluster's)")
      .option("time", "LIMIT", "time limit per task, as sbatch --time takes it")
      .option("cpus-per-task", "C", "cores per task, which its normlab run uses as --jobs", "1")
      .flag("submit", "submit the two jobs with sbatch and print their ids");
  if (!args.parse(argc, argv, first)) return 0;

  const CheckedSweep sweep = load_checked_sweep(args);
  const SweepConfig& config = sweep.config;
  const RunPlan& plan = sweep.plan;

  SlurmJobOptions o;
  o.name = config.name;
  o.normlab = this_executable();
  o.config = absolute(args.get("CONFIG"));
  o.sets = args.all("set");
  o.quick = args.flag_set("quick");
  o.out_dir = absolute(output_dir(args, config));
  o.workdir = fs::current_path().string();
  const std::size_t runs = plan.runs.size();
  o.shards = args.has("shards") ? std::size_t(parse_long("--shards", args.get("shards"), 1)) : std::min<std::size_t>(runs, 8);
  if (o.shards > runs)
    throw InputError("--shards " + std::to_string(o.shards) + ": the sweep has " + std::to_string(runs) +
                     " runs; give at most that many shards");
  if (args.has("array-parallelism"))
    o.array_parallelism = std::size_t(parse_long("--array-parallelism", args.get("array-parallelism"), 1));
  o.partition = args.get("partition");
  o.time = args.get("time");
  o.cpus_per_task = std::size_t(parse_long("--cpus-per-task", args.get("cpus-per-task"), 1));
  for (const auto& run : plan.runs) o.ranks = std::max(o.ranks, run.ranks);

  const std::string slurm_dir = o.out_dir + "/slurm";
  std::error_code ec;
  fs::create_directories(slurm_dir + "/logs", ec);
  if (ec) throw std::runtime_error("cannot create " + slurm_dir + "/logs: " + ec.message());
  const std::string sweep_script = slurm_dir + "/sweep.sbatch", merge_script = slurm_dir + "/merge.sbatch";
  write_file_atomically(sweep_script, sweep_job_script(o));
  write_file_atomically(merge_script, merge_job_script(o));
  std::cout << config.name << ": " << runs << " runs in " << o.shards << " array tasks; wrote " << sweep_script
            << " and " << merge_script << "\n";
  if (!args.flag_set("submit")) {
    std::cout << "submit with: sbatch --parsable " << shell_quote(sweep_script)
              << ", then sbatch --dependency=afterok:<its id> " << shell_quote(merge_script) << "\n";
    return 0;
  }
  const std::string array_id = submit(shell_quote(sweep_script));
  const std::string merge_id = submit("--dependency=afterok:" + array_id + " " + shell_quote(merge_script));
  std::cout << "submitted: array job " << array_id << ", merge job " << merge_id << "\n";
  return 0;
}

}  // namespace normlab::cli
