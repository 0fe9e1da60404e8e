// The sweep key `ranks` (data-parallel runs over MPI): its default keeps every existing run id, a
// batch size that is not a multiple of it and the features a data-parallel run does not support
// are refused before anything runs, and normlab slurm gives such a sweep an mpirun line.
#include <catch2/catch.hpp>

#include "experiments/harness/combination_checks.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/slurm_jobs.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

const std::string kBase = "norm = \"batch:sync=true\"\nmodel = \"mlp:widths=8\"\ndata = \"tabular:train=64,test=16\"\n"
                          "steps = 3\nbatch_size = 8\n";

RunPlan plan_of(const std::string& text) { return expand_sweep(parse_sweep_config("s.toml", text, {}, false)); }

std::string combination_error_of(const std::string& text) {
  const SweepConfig config = parse_sweep_config("s.toml", text, {}, false);
  try {
    check_run_combinations(config, expand_sweep(config));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("ranks = 1 keeps the run ids of today; ranks = 2 is another run") {
  const RunPlan plain = plan_of(kBase), one = plan_of(kBase + "ranks = 1\n"), two = plan_of(kBase + "ranks = 2\n");
  CHECK(plain.runs[0].id == one.runs[0].id);
  CHECK(two.runs[0].id != plain.runs[0].id);
  CHECK(two.runs[0].ranks == 2);
}

TEST_CASE("a batch size that ranks does not divide, and probes, checkpoints or PreciseBN with ranks > 1, are refused") {
  CHECK(combination_error_of(kBase + "ranks = 2\n") == "no error");
  CHECK_THAT(combination_error_of(kBase + "ranks = 3\n"),
             Catch::Contains("batch_size 8 is not a multiple of ranks = 3"));
  for (const char* key : {"probes = [\"layer_norms\"]\n", "checkpoint_every = 2\n", "precise_bn = 2\n"})
    CHECK_THAT(combination_error_of(kBase + "ranks = 2\n" + key), Catch::Contains("not supported in data-parallel runs"));
}

TEST_CASE("normlab slurm starts a sweep with ranks > 1 with mpirun on --ntasks tasks") {
  SlurmJobOptions options;
  options.name = "s", options.normlab = "/bin/normlab", options.config = "/c.toml", options.out_dir = "/out";
  options.workdir = "/";
  const std::string one = sweep_job_script(options);
  CHECK(one.find("mpirun") == std::string::npos);
  CHECK(one.find("--ntasks") == std::string::npos);
  options.ranks = 4;
  const std::string four = sweep_job_script(options);
  CHECK_THAT(four, Catch::Contains("#SBATCH --ntasks=4\n"));
  CHECK_THAT(four, Catch::Contains("exec mpirun -np \"${SLURM_NTASKS}\" /bin/normlab run"));
}
