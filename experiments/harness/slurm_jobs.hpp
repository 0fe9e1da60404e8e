// normlab slurm: a sweep handed to Slurm as a job array, one array task per shard, each running
//   normlab run CONFIG --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT --out OUT/shards/$SLURM_ARRAY_TASK_ID
// in the submission's working directory (so relative data paths resolve as they do locally),
// and a merge job, submitted with --dependency=afterok on the array, that runs
//   normlab merge OUT OUT/shards/0 ... OUT/shards/N-1
// A sweep with data-parallel runs (ranks > 1) gets --ntasks=K per array task (K the largest ranks
// of its runs) and starts its normlab run with OpenMPI's `mpirun -np $SLURM_NTASKS`, which takes
// the processes from the task's allocation (mpi_processes.hpp); its runs go one at a time.
// A task that is killed or requeued resumes from its shard's store. Every run's results depend
// only on its configuration, so the merged tables equal a local `normlab run` of the same sweep.
#pragma once

#include <string>
#include <vector>

namespace normlab {

struct SlurmJobOptions {
  std::string name;          // the sweep's name, for job names
  std::string normlab;       // absolute path of the normlab executable
  std::string config;        // absolute path of the configuration
  std::vector<std::string> sets;
  bool quick = false;
  std::string out_dir;       // absolute
  std::string workdir;       // absolute: where the tasks run
  std::size_t shards = 1;
  std::size_t array_parallelism = 0;  // 0: as many tasks at once as Slurm allows
  std::string partition, time;        // "" = the cluster's defaults
  std::size_t cpus_per_task = 1;      // also the tasks' --jobs
  std::size_t ranks = 1;              // the largest ranks of the sweep's runs: tasks of each array task
};

std::string sweep_job_script(const SlurmJobOptions& options);
std::string merge_job_script(const SlurmJobOptions& options);

// The job id that `sbatch --parsable` printed ("123" or "123;cluster"); InputError otherwise.
std::string parse_sbatch_job_id(const std::string& output);

}  // namespace normlab
