#include "experiments/harness/slurm_jobs.hpp"

#include <stdexcept>

#include "experiments/harness/shell_quote.hpp"

namespace normlab {

namespace {

std::string header(const SlurmJobOptions& o, const std::string& job_name, const std::string& log) {
  std::string s = "#!/bin/bash\n";
  s += "# Written by normlab slurm; submit with sbatch (normlab slurm --submit does).\n";
  s += "#SBATCH --job-name=" + job_name + "\n";
  s += "#SBATCH --output=" + o.out_dir + "/slurm/logs/" + log + "\n";
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  return s;
}

}  // namespace

std::string sweep_job_script(const SlurmJobOptions& o) {
  std::string s = header(o, "normlab-" + o.name, "shard-%a.out");
  s += "#SBATCH --array=0-" + std::to_string(o.shards - 1) +
       (o.array_parallelism ? "%" + std::to_string(o.array_parallelism) : "") + "\n";
  if (o.ranks > 1) s += "#SBATCH --ntasks=" + std::to_string(o.ranks) + "\n";
  s += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) + "\n";
  s += "set -euo pipefail\n";
  s += "cd " + shell_quote(o.workdir) + "\n";
  s += std::string("exec ") + (o.ranks > 1 ? "mpirun -np \"${SLURM_NTASKS}\" " : "") + shell_quote(o.normlab) + " run " + shell_quote(o.config) + (o.quick ? " --quick" : "");
  for (const auto& set : o.sets) s += " --set " + shell_quote(set);
  s += " --shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\" --jobs \"${SLURM_CPUS_PER_TASK:-" +
       std::to_string(o.cpus_per_task) + "}\" --out " + shell_quote(o.out_dir + "/shards/") +
       "\"${SLURM_ARRAY_TASK_ID}\"\n";
  return s;
}

std::string merge_job_script(const SlurmJobOptions& o) {
  std::string s = header(o, "normlab-" + o.name + "-merge", "merge.out");
  s += "set -euo pipefail\n";
  s += "cd " + shell_quote(o.workdir) + "\n";
  s += "exec " + shell_quote(o.normlab) + " merge " + shell_quote(o.out_dir);
  for (std::size_t i = 0; i < o.shards; ++i) s += " " + shell_quote(o.out_dir + "/shards/" + std::to_string(i));
  return s + "\n";
}

std::string parse_sbatch_job_id(const std::string& output) {
  std::string id = output.substr(0, output.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch did not print a job id: '" + output + "'");
  return id;
}

}  // namespace normlab
