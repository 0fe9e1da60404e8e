// The store commands end to end through the executable: a sweep run in shards and merged equals the
// same sweep run at once; merge refuses conflicting results and other sweeps; runs lists the
// store; gc removes only unselected runs and only when asked; slurm writes a job array whose
// tasks run the shards and a merge job.
#include <catch2/catch.hpp>

#include <filesystem>

#include "experiments/harness/csv.hpp"
#include "harness/harness_test_util.hpp"
#include "harness/process_util.hpp"

namespace fs = std::filesystem;
using namespace normlab;
using namespace normlab::test;

namespace {

const std::string kQuickstart = std::string(NORMLAB_SOURCE_DIR) + "/experiments/configs/quickstart.toml";

std::vector<std::string> sweep(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", kQuickstart, "--quick", "--set", "steps=4", "--jobs", "2", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::size_t stored_runs(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir + "/.runs")) n += fs::exists(e.path() / "done");
  return n;
}

}  // namespace

TEST_CASE("a sweep run in three shards and merged equals the sweep run at once") {
  TempDir dir("shards");
  REQUIRE(run_normlab(sweep("whole"), dir.path()).status == 0);
  for (const char* shard : {"0/3", "1/3", "2/3"}) {
    const Outcome o = run_normlab(sweep(std::string("s") + shard[0], {"--shard", shard}), dir.path());
    INFO(o.err);
    REQUIRE(o.status == 0);
  }
  CHECK(stored_runs(dir / "s0") + stored_runs(dir / "s1") + stored_runs(dir / "s2") == 10);
  CHECK(stored_runs(dir / "s0") == 4);  // runs 0, 3, 6, 9
  CHECK_THAT(slurp(dir / "s1/manifest.json"), Catch::Contains("\"shard\": \"1/3\""));
  const Outcome merged = run_normlab({"merge", "all", "s0", "s1", "s2"}, dir.path());
  INFO(merged.err);
  REQUIRE(merged.status == 0);
  CHECK_THAT(merged.out, Catch::Contains("10 runs copied, 0 already there; 10/10 runs of the sweep done"));
  for (const char* file : {"curves.csv", "layer_stats.csv"}) CHECK(slurp(dir / "all/" + file) == slurp(dir / "whole/" + file));
  CHECK(without_wall_seconds(slurp(dir / "all/runs.csv")) == without_wall_seconds(slurp(dir / "whole/runs.csv")));
  CHECK_THAT(slurp(dir / "all/manifest.json"), Catch::Contains("\"state\": \"complete\""));
  // Merging again is a no-op union.
  const Outcome again = run_normlab({"merge", "all", "s0"}, dir.path());
  REQUIRE(again.status == 0);
  CHECK_THAT(again.out, Catch::Contains("0 runs copied, 4 already there"));
}

TEST_CASE("merge refuses conflicting results and another sweep's store, and changes nothing") {
  TempDir dir("conflict");
  REQUIRE(run_normlab(sweep("a"), dir.path()).status == 0);
  fs::copy(dir / "a", dir / "b", fs::copy_options::recursive);
  // Tamper with one run's curves in the copy: the same id with other results.
  fs::path victim;
  for (const auto& e : fs::directory_iterator(dir / "b/.runs")) victim = e.path();
  write_text((victim / "curves.csv").string(), slurp((victim / "curves.csv").string()) + victim.filename().string() +
                                                   ",99,1,train,loss,0.5\n");
  fs::remove_all(dir / "c");
  const std::string before = slurp(dir / "a/runs.csv");
  const Outcome o = run_normlab({"merge", "a", "b"}, dir.path());
  CHECK(o.status == 2);
  CHECK_THAT(o.err, Catch::Contains("run " + victim.filename().string() + " has different results"));
  CHECK(slurp(dir / "a/runs.csv") == before);
  REQUIRE(run_normlab({"run", std::string(NORMLAB_SOURCE_DIR) + "/experiments/configs/ioffe2015.toml", "--quick",
                       "--set", "steps=2", "--out", "other"},
                      dir.path())
              .status == 0);
  const Outcome other = run_normlab({"merge", "a", "other"}, dir.path());
  CHECK(other.status == 2);
  CHECK_THAT(other.err, Catch::Contains("holds the sweep 'ioffe2015'"));
  const Outcome not_store = run_normlab({"merge", "a", "nowhere"}, dir.path());
  CHECK(not_store.status == 2);
  CHECK_THAT(not_store.err, Catch::Contains("nowhere is not a results store"));
}

TEST_CASE("runs lists the store, gc removes only unselected runs and only when asked") {
  TempDir dir("gc");
  REQUIRE(run_normlab(sweep("s"), dir.path()).status == 0);
  REQUIRE(run_normlab(sweep("s", {"--set", "steps=5"}), dir.path()).status == 0);  // a changed sweep
  CHECK(stored_runs(dir / "s") == 20);
  const Outcome listed = run_normlab({"runs", "s"}, dir.path());
  REQUIRE(listed.status == 0);
  CHECK_THAT(listed.out, Catch::Contains("20 runs stored; 10 in the view") && Catch::Contains("steps=4") &&
                             Catch::Contains("steps=5"));
  const Outcome refused = run_normlab({"gc", "s"}, dir.path());
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Catch::Contains("give --unselected"));
  const Outcome dry = run_normlab({"gc", "s", "--unselected", "--dry-run"}, dir.path());
  REQUIRE(dry.status == 0);
  CHECK(stored_runs(dir / "s") == 20);
  const Outcome recent = run_normlab({"gc", "s", "--unselected", "--older-than", "1"}, dir.path());
  REQUIRE(recent.status == 0);
  CHECK(stored_runs(dir / "s") == 20);  // all finished today
  const std::string view = slurp(dir / "s/runs.csv");
  const Outcome gc = run_normlab({"gc", "s", "--unselected"}, dir.path());
  REQUIRE(gc.status == 0);
  CHECK_THAT(gc.out, Catch::Contains("10 runs removed"));
  CHECK(stored_runs(dir / "s") == 10);
  CHECK(slurp(dir / "s/runs.csv") == view);
}

TEST_CASE("slurm writes a job array over the shards and a merge job, with absolute paths") {
  TempDir dir("slurm");
  const Outcome o = run_normlab({"slurm", kQuickstart, "--quick", "--set", "steps=4", "--shards", "3", "--out", "sw",
                                 "--array-parallelism", "2", "--cpus-per-task", "1"},
                                dir.path());
  INFO(o.err);
  REQUIRE(o.status == 0);
  const std::string array = slurp(dir / "sw/slurm/sweep.sbatch"), merge = slurp(dir / "sw/slurm/merge.sbatch");
  CHECK_THAT(array, Catch::StartsWith("#!/bin/bash\n") && Catch::Contains("#SBATCH --array=0-2%2\n") &&
                        Catch::Contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\"") &&
                        Catch::Contains(" --quick --set steps=4 ") && Catch::Contains("cd " + dir.path() + "\n") &&
                        Catch::Contains("--out " + dir.path() + "/sw/shards/\"${SLURM_ARRAY_TASK_ID}\""));
  CHECK_THAT(merge, Catch::Contains(" merge " + dir.path() + "/sw " + dir.path() + "/sw/shards/0 " + dir.path() +
                                    "/sw/shards/1 " + dir.path() + "/sw/shards/2\n"));
  const Outcome too_many = run_normlab({"slurm", kQuickstart, "--quick", "--shards", "50", "--out", "x"}, dir.path());
  CHECK(too_many.status == 2);
  CHECK_THAT(too_many.err, Catch::Contains("the sweep has 10 runs"));
}

TEST_CASE("a shard must be I/N with 0 <= I < N") {
  TempDir dir("badshard");
  for (const char* bad : {"3/2", "a/b", "1", "-1/2", "0/0"}) {
    INFO(bad);
    const Outcome o = run_normlab(sweep("x", {"--shard", bad}), dir.path());
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains("--shard '" + std::string(bad) + "'"));
  }
  CHECK_FALSE(fs::exists(dir / "x"));
}
