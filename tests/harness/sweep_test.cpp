// The sweep runner with a stand-in run function: per-run results, merging in run order,
// independence from the job count, resume, divergence and failure.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>

#include "experiments/harness/csv.hpp"
#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"
#include "experiments/harness/sweep_runner.hpp"
#include "harness/harness_test_util.hpp"

using namespace normlab;
using normlab::test::slurp;
using normlab::test::TempDir;

namespace {

const char* const kSweep = R"(
norm = ["batch", "layer"]
model = ["mlp", "explode"]
lr = [0.5, 200.0]
seed = [1, 2]
steps = 6
stats_every = 2
)";

RunPlan the_plan() { return expand_sweep(parse_sweep_config("s.toml", kSweep, {}, false)); }

SweepCounts sweep_into(const std::string& dir, std::size_t jobs, const RunFunction& run) {
  const SweepConfig config = parse_sweep_config("s.toml", kSweep, {}, false);
  const RunPlan plan = expand_sweep(config);
  SweepOptions options;
  options.out_dir = dir;
  options.jobs = jobs;
  options.run = run;
  options.progress_out = std::tmpfile();
  options.command_line = "test";
  const SweepCounts counts = run_sweep(config, plan, options);
  std::fclose(options.progress_out);
  return counts;
}

}  // namespace

TEST_CASE("a sweep writes every run in run order, with diverged and failed runs recorded") {
  TempDir dir("sweep");
  const SweepCounts counts = sweep_into(dir.path(), 1, normlab::test::stand_in_run);
  CHECK(counts.ok == 4);
  CHECK(counts.diverged == 4);
  CHECK(counts.failed == 8);
  const CsvTable runs = read_csv(dir / "runs.csv");
  REQUIRE(runs.rows.size() == 16);
  CHECK(runs.header[0] == "run_id");
  CHECK(runs.header[1] == "label");
  CHECK(runs.header[runs.column("status", "runs.csv") - 1] == "epochs");
  const RunPlan plan = the_plan();
  const auto& ids = plan.runs;
  for (std::size_t r = 0; r < runs.rows.size(); ++r) {
    CHECK(runs.rows[r][0] == ids[r].id);
    CHECK(runs.rows[r][1] == ids[r].label);
  }
  CHECK(runs.rows[4][1] == "norm=batch lr=200 seed=1 model=mlp");
  // Loops: norm, lr, seed, model (innermost). r0000: batch, lr 0.5, seed 1, mlp: ok;
  // r0001: the same with model explode: failed; r0004: lr 200, seed 1, mlp: diverged at step 3.
  const auto status = runs.column("status", "");
  CHECK(runs.rows[0][status] == "ok");
  CHECK(runs.rows[4][status] == "diverged");
  CHECK(runs.rows[4][runs.column("diverged_step", "")] == "3");
  CHECK(runs.rows[4][runs.column("test_accuracy", "")] == "");
  CHECK(runs.rows[1][status] == "failed");
  CHECK(runs.rows[1][runs.column("error", "")] == "stand-in failure, for the test");
  CHECK(runs.rows[0][runs.column("test_loss", "")] == "0.35");  // 1/(1+0.5*6)+0.1, shortest round-trip

  const std::string curves = slurp(dir / "curves.csv");
  CHECK(curves.rfind("run_id,step,epoch,split,metric,value\n" + ids[0].id + ",1,0.1,train,loss,0.6676666666666666\n", 0) ==
        0);
  CHECK(curves.find(ids[4].id + ",3,0.3,train,loss,nan\n") != std::string::npos);
  const std::string stats = slurp(dir / "layer_stats.csv");
  CHECK(stats.rfind("run_id,step,layer,stat,value\n" + ids[0].id + ",2,1.norm,p50,", 0) == 0);
  const std::string manifest = slurp(dir / "manifest.json");
  CHECK(manifest.find("\"state\": \"complete\"") != std::string::npos);
  CHECK(manifest.find("\"run_id\": \"" + ids[15].id + "\"") != std::string::npos);
  CHECK(manifest.find("\"selected\": 16, \"done\": 16") != std::string::npos);
  CHECK(manifest.find("\"axes\": [\"norm\", \"lr\", \"seed\", \"model\"]") != std::string::npos);
}

TEST_CASE("results do not depend on the number of jobs") {
  TempDir one("jobs1"), four("jobs4");
  sweep_into(one.path(), 1, normlab::test::stand_in_run);
  sweep_into(four.path(), 4, normlab::test::stand_in_run);
  for (const char* file : {"curves.csv", "layer_stats.csv"}) CHECK(slurp(one / file) == slurp(four / file));
  CHECK(normlab::test::without_wall_seconds(slurp(one / "runs.csv")) ==
        normlab::test::without_wall_seconds(slurp(four / "runs.csv")));
}

TEST_CASE("a resumed sweep redoes only the unfinished runs and equals an uninterrupted one") {
  TempDir whole("whole"), resumed("resumed");
  sweep_into(whole.path(), 2, normlab::test::stand_in_run);
  sweep_into(resumed.path(), 2, normlab::test::stand_in_run);
  // What a kill -9 leaves: runs without results, a half-written run, no merged files.
  namespace fs = std::filesystem;
  const RunPlan plan = the_plan();
  fs::remove_all(resumed / (".runs/" + plan.runs[3].id));
  fs::remove_all(resumed / (".runs/" + plan.runs[11].id));
  // A dead process's half-written run (pid 999999999 cannot exist) and a stray temporary file.
  const std::string partial = ".runs/" + plan.runs[7].id + ".partial.999999999";
  fs::rename(resumed / (".runs/" + plan.runs[7].id), resumed / partial);
  fs::remove(resumed / (partial + "/done"));
  normlab::test::write_text(resumed / "runs.csv.tmp.999999999", "torn");
  for (const char* file : {"runs.csv", "curves.csv", "layer_stats.csv"}) fs::remove(resumed / file);

  std::atomic<int> calls{0};
  const SweepCounts counts = sweep_into(resumed.path(), 2, [&](const RunConfig& run, MetricSink& sink, const StepProgress& p) {
    ++calls;
    return normlab::test::stand_in_run(run, sink, p);
  });
  CHECK(calls == 3);
  CHECK(counts.reused == 13);
  CHECK(counts.ok + counts.diverged + counts.failed == 16);
  CHECK_FALSE(fs::exists(resumed / partial));
  CHECK_FALSE(fs::exists(resumed / "runs.csv.tmp.999999999"));
  for (const char* file : {"curves.csv", "layer_stats.csv"}) CHECK(slurp(whole / file) == slurp(resumed / file));
  CHECK(normlab::test::without_wall_seconds(slurp(whole / "runs.csv")) ==
        normlab::test::without_wall_seconds(slurp(resumed / "runs.csv")));
}

TEST_CASE("a changed sweep into the same store keeps every earlier run and reuses the shared ones") {
  namespace fs = std::filesystem;
  TempDir dir("changed");
  sweep_into(dir.path(), 1, normlab::test::stand_in_run);
  const auto stored = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir / ".runs")) n += fs::exists(e.path() / "done");
    return n;
  };
  REQUIRE(stored() == 16);
  const std::string before = slurp(dir / (".runs/" + the_plan().runs[0].id + "/curves.csv"));
  // Another sweep into the same directory: lr 0.5 with seed 1 and 2 is already there (norm batch,
  // model mlp; the rest of the keys as before); lr 0.25 is new.
  const SweepConfig config = parse_sweep_config(
      "s.toml", "norm = \"batch\"\nmodel = \"mlp\"\nlr = [0.5, 0.25]\nseed = [1, 2]\nsteps = 6\nstats_every = 2\n", {},
      false);
  const RunPlan plan = expand_sweep(config);
  SweepOptions options;
  options.out_dir = dir.path();
  options.jobs = 1;
  int calls = 0;
  options.run = [&](const RunConfig& run, MetricSink& sink, const StepProgress& p) {
    ++calls;
    return normlab::test::stand_in_run(run, sink, p);
  };
  options.progress_out = std::tmpfile();
  const SweepCounts counts = run_sweep(config, plan, options);
  std::fclose(options.progress_out);
  CHECK(calls == 2);
  CHECK(counts.reused == 2);
  CHECK(read_csv(dir / "runs.csv").rows.size() == 4);  // the view: what this sweep selects
  CHECK(stored() == 18);                              // the store: nothing was deleted
  CHECK(slurp(dir / (".runs/" + the_plan().runs[0].id + "/curves.csv")) == before);
}

TEST_CASE("the view is rewritten after every finished run, so an interrupted sweep has its partial tables") {
  TempDir dir("partial");
  int calls = 0;
  std::size_t rows_seen_before_last = 0;
  sweep_into(dir.path(), 1, [&](const RunConfig& run, MetricSink& sink, const StepProgress& p) {
    if (++calls == 16) rows_seen_before_last = read_csv(dir / "runs.csv").rows.size();
    return normlab::test::stand_in_run(run, sink, p);
  });
  CHECK(rows_seen_before_last == 15);
  const std::string manifest = slurp(dir / "manifest.json");
  CHECK(manifest.find("\"state\": \"complete\"") != std::string::npos);
}
