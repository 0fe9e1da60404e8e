// normlab run and normlab summarize end to end, through the executable, on the real trainer.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "experiments/harness/csv.hpp"
#include "harness/harness_test_util.hpp"
#include "harness/process_util.hpp"

namespace fs = std::filesystem;
using namespace normlab;
using namespace normlab::test;

namespace {

const std::string kConfigs = std::string(NORMLAB_SOURCE_DIR) + "/experiments/configs/";

// A short quickstart: 10 runs of a few steps (12 combinations; none and weight have no placement).
std::vector<std::string> short_quickstart(const std::string& out, const std::string& jobs) {
  return {"run", kConfigs + "quickstart.toml", "--quick", "--set", "steps=6", "--jobs", jobs, "--out", out};
}

void check_same_results(const std::string& a, const std::string& b) {
  for (const char* file : {"curves.csv", "layer_stats.csv"}) {
    INFO(file);
    CHECK(slurp(a + "/" + file) == slurp(b + "/" + file));
  }
  CHECK(without_wall_seconds(slurp(a + "/runs.csv")) == without_wall_seconds(slurp(b + "/runs.csv")));
}

}  // namespace

TEST_CASE("every preset runs in --quick form") {
  TempDir dir("presets");
  for (const char* preset : {"quickstart", "ioffe2015", "wuhe2018", "placement", "lr_stability", "init_sensitivity",
                             "running_stats", "family", "depth", "dropout", "noniid"}) {
    INFO(preset);
    const std::string config = kConfigs + preset + ".toml";
    const Outcome dry = run_normlab({"run", config, "--quick", "--dry-run"}, dir.path());
    REQUIRE(dry.status == 0);
    // One line per run after the heading (and a note when some combinations are one run).
    std::size_t runs = 0;
    std::istringstream lines(dry.out);
    for (std::string line; std::getline(lines, line);) runs += line.size() > 18 && line[16] == ' ' && line[17] == ' ';
    // Steps capped so that the whole suite stays fast; the preset's own [quick] table is applied.
    const Outcome o = run_normlab({"run", config, "--quick", "--set", "steps=5", "--jobs", "2"}, dir.path());
    INFO(o.err);
    REQUIRE(o.status == 0);
    const std::string out = dir / (std::string("runs/") + preset + "-quick");  // the default for --quick
    // lr_stability's quick table keeps a rate at which the plain MLP diverges (a NaN within steps):
    // diverged runs are results; failed ones are not.
    CHECK_THAT(o.out, Catch::Contains(std::to_string(runs) + " runs: ") && Catch::Contains(" diverged, 0 failed"));
    if (std::string(preset) != "lr_stability")
      CHECK_THAT(o.out, Catch::Contains(std::to_string(runs) + " ok, 0 diverged, 0 failed"));
    const CsvTable table = read_csv(out + "/runs.csv");
    CHECK(table.rows.size() == runs);
    CHECK(read_csv(out + "/curves.csv").rows.size() > runs);
    CHECK(read_csv(out + "/layer_stats.csv").header == std::vector<std::string>{"run_id", "step", "layer", "stat", "value"});
    CHECK_THAT(slurp(out + "/manifest.json"), Catch::Contains("\"state\": \"complete\""));
  }
}

TEST_CASE("jobs: --jobs 1 and --jobs 2 write byte-identical CSV files") {
  TempDir dir("jobs");
  REQUIRE(run_normlab(short_quickstart("one", "1"), dir.path()).status == 0);
  REQUIRE(run_normlab(short_quickstart("two", "2"), dir.path()).status == 0);
  check_same_results(dir / "one", dir / "two");
}

TEST_CASE("a sweep killed with SIGKILL part way and resumed equals an uninterrupted one") {
  TempDir dir("resume");
  REQUIRE(run_normlab(short_quickstart("whole", "2"), dir.path()).status == 0);

  std::vector<std::string> args = short_quickstart("resumed", "1");
  args[4] = "steps=40";  // long enough runs that the kill lands before the end
  const pid_t pid = spawn_normlab(args, dir.path(), dir / "out1", dir / "err1");
  REQUIRE(pid > 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  const auto finished_runs = [&] {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / "resumed/.runs", ec)) n += fs::exists(e.path() / "done");
    return n;
  };
  while (finished_runs() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGKILL);
  CHECK(wait_status(pid) == -SIGKILL);
  // Killed part way: the finished runs are in the store, and the view shows them (at most one
  // behind: the kill may land between a run's save and the view's rewrite).
  const std::size_t done = finished_runs();
  REQUIRE(done >= 2);
  REQUIRE(done < 10);
  const std::size_t rows = read_csv(dir / "resumed/runs.csv").rows.size();
  CHECK(rows + 1 >= done);
  CHECK(rows <= done);
  CHECK_THAT(slurp(dir / "resumed/manifest.json"), Catch::Contains("\"state\": \"running\""));
  // summarize tells the sweep is incomplete (its process is dead: interrupted) and still reports.
  const Outcome summary = run_normlab({"summarize", "resumed"}, dir.path());
  CHECK(summary.status == 0);
  // The manifest is rewritten after the tables: a kill between them leaves it one run behind.
  CHECK_THAT(summary.err, (Catch::Contains("interrupted: " + std::to_string(rows) + "/10 runs done") ||
                           Catch::Contains("interrupted: " + std::to_string(rows - 1) + "/10 runs done")) &&
                              Catch::Contains("rerun the same command to resume"));

  args[4] = "steps=6";  // the same command as the uninterrupted sweep, into the same directory
  const Outcome resumed = run_normlab(args, dir.path());
  REQUIRE(resumed.status == 0);
  check_same_results(dir / "whole", dir / "resumed");
}

TEST_CASE("a run forced to diverge is recorded as diverged and the sweep finishes") {
  TempDir dir("diverge");
  const Outcome o = run_normlab({"run", kConfigs + "quickstart.toml", "--quick", "--set", "norm=none", "--set",
                                 "placement=pre", "--set", "lr=[0.01,1e30]", "--set", "steps=10", "--out", "d"},
                                dir.path());
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK_THAT(o.out, Catch::Contains("2 runs: 1 ok, 1 diverged, 0 failed"));
  const CsvTable runs = read_csv(dir / "d/runs.csv");
  REQUIRE(runs.rows.size() == 2);
  const auto status = runs.column("status", ""), step = runs.column("diverged_step", "");
  CHECK(runs.rows[0][status] == "ok");
  CHECK(runs.rows[1][status] == "diverged");
  CHECK(std::stoi(runs.rows[1][step]) >= 1);
  CHECK(runs.rows[1][runs.column("test_accuracy", "")] == "");
}

TEST_CASE("configuration errors exit 2 with one line naming file, key and what is allowed, and write nothing") {
  TempDir dir("errors");
  struct Case {
    std::string toml;
    std::vector<std::string> sets;
    std::string message;
  };
  const std::string base = "model = \"vgg:widths=4\"\ndata = \"glyphs:train=64,test=32\"\nsteps = 2\n";
  const std::vector<Case> cases = {
      {base + "colour = 3\n", {}, "bad.toml: unknown key 'colour'; valid keys: norm, placement"},
      {base + "lr = \"fast\"\n", {}, "bad.toml: key 'lr': expected a number > 0, got string \"fast\""},
      {base + "seed = []\n", {}, "bad.toml: key 'seed': an empty list makes an empty sweep"},
      {base + "norm = [\"batch\", \"group:groups=2\"]\n", {}, "bad.toml: key 'norm': "},
      {base + "optimizer = \"sgdd\"\n", {}, "bad.toml: key 'optimizer': "},
      {base + "schedule = \"cosine:min=0\"\n", {}, "bad.toml: key 'schedule': "},
      {base + "init = \"kaiming:gain=2\"\n", {}, "bad.toml: key 'init': "},
      {"model = \"vgg:depth=3\"\nsteps = 2\n", {}, "bad.toml: key 'model': "},
      {base, {"data=mnist:path=no/such/dir"}, "key 'data': "},
      {base, {"batch_size=0"}, "--set batch_size: key 'batch_size': expected an integer >= 1"},
      {"norm = \"instance\"\nmodel = \"mlp\"\nsteps = 2\n", {}, "bad.toml: the runs with model mlp, norm instance"},
      {"", {}, "bad.toml: the configuration is empty"},
      {"model = \"mlp:widths=100000000x100000000\"\ndata = \"glyphs:train=64,test=32\"\nsteps = 2\n", {},
       "parameters, which need about"},
      {"model = \"mlp\"\ndata = \"glyphs:train=99999999999\"\nsteps = 2\n", {}, "GiB of memory; this machine has"},
      {base, {"data=glyphs:size=3"}, "--set data: key 'data': "},
      {"steps = 2\n", {"data=glyphs:train=9"}, "batch_size 32 is larger than the 9 training samples"},
      {"steps = 2\ndata = \"glyphs\"\n[quick]\nsteps = 1\n", {"norm=group:num_groups=3"}, "norm"},
      {base + "lr = 0.1\nlr = 0.2\n", {}, "bad.toml:5:"},
      // A weight reparameterization beside a sequence model: its weights are built by the model.
      {"model = \"transformer:layers=1,width=8,heads=2\"\ndata = \"markov:context=8,train=64,test=16\"\n"
       "reparam = [\"none\", \"weight_std\"]\nsteps = 2\n",
       {},
       "bad.toml: the runs with model transformer:layers=1,width=8,heads=2, norm none, reparam weight_std"},
      {"model = \"lstm:hidden=8,embed=4\"\ndata = \"markov:context=8,train=64,test=16\"\n"
       "norm = \"layer\"\nsteps = 2\n",
       {"reparam=spectral"},
       "reparam 'spectral' does not apply to a sequence model (its weights are not reparameterized); "
       "valid: none"},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    write_text(dir / "bad.toml", c.toml);
    std::vector<std::string> args = {"run", "bad.toml", "--out", "out"};
    for (const auto& s : c.sets) args.insert(args.end(), {"--set", s});
    const Outcome o = run_normlab(args, dir.path());
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::StartsWith("normlab run: error: ") && Catch::Contains(c.message));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(dir / "out"));
    CHECK_FALSE(fs::exists(dir / "runs"));
  }
  const Outcome missing = run_normlab({"run", "nope.toml"}, dir.path());
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("nope.toml: cannot read"));
  fs::create_directories(dir / "adir");
  const Outcome directory = run_normlab({"run", "adir"}, dir.path());
  CHECK(directory.status == 2);
  CHECK_THAT(directory.err, Catch::Contains("adir is a directory"));
  write_text(dir / "noquick.toml", "steps = 2\nmodel = \"vgg:widths=4\"\ndata = \"glyphs:train=64,test=32\"\n");
  const Outcome no_quick = run_normlab({"run", "noquick.toml", "--quick"}, dir.path());
  CHECK(no_quick.status == 2);
  CHECK_THAT(no_quick.err, Catch::Contains("--quick needs a [quick] table"));
  const Outcome empty_out = run_normlab({"run", "noquick.toml", "--out", ""}, dir.path());
  CHECK(empty_out.status == 2);
  CHECK_THAT(empty_out.err, Catch::Contains("--out: an empty path"));
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("an --out that a file is in the way of is a usage error: exit 2, and the file untouched") {
  TempDir dir("runtime");
  write_text(dir / "blocker", "a file where the output directory should go\n");
  for (const char* out : {"blocker", "blocker/out"}) {
    INFO(out);
    const Outcome o = run_normlab({"run", kConfigs + "ioffe2015.toml", "--quick", "--out", out}, dir.path());
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains("normlab run: error: --out ") && Catch::Contains("a file is in the way"));
  }
  CHECK(slurp(dir / "blocker") == "a file where the output directory should go\n");
  // Runtime failures writing results (exit 1) are tested with a full disk: full_disk_test.cpp.
}

TEST_CASE("dry run: prints the expanded runs in order and writes nothing") {
  TempDir dir("dry");
  const Outcome o = run_normlab({"run", kConfigs + "wuhe2018.toml", "--dry-run"}, dir.path());
  REQUIRE(o.status == 0);
  CHECK_THAT(o.out, Catch::StartsWith("wuhe2018: 60 runs into runs/wuhe2018/\n"));
  std::istringstream lines(o.out);
  std::string line;
  std::vector<std::string> labels;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    REQUIRE(line.size() > 18);
    CHECK(line.substr(0, 16).find_first_not_of("0123456789abcdef") == std::string::npos);  // the run id
    labels.push_back(line.substr(18));
  }
  REQUIRE(labels.size() == 60);
  CHECK(labels[0] == "norm=batch batch_size=32 lr=0.1 seed=0");
  CHECK(labels[1] == "norm=batch batch_size=32 lr=0.1 seed=1");
  CHECK(labels[5] == "norm=batch batch_size=16 lr=0.05 seed=2");
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("dry run of an lstm sweep in both placements: one run per normalizer, and the note says why") {
  TempDir dir("dry_lstm");
  write_text(dir / "l.toml",
             "model = \"lstm:hidden=8,embed=4\"\ndata = \"markov:context=8,train=64,test=16\"\n"
             "norm = [\"none\", \"layer\", \"rms\"]\nplacement = [\"pre\", \"post\"]\nsteps = 2\n");
  const Outcome o = run_normlab({"run", "l.toml", "--dry-run"}, dir.path());
  REQUIRE(o.status == 0);
  CHECK_THAT(o.out, Catch::StartsWith("l: 3 runs into runs/l/\n(6 combinations: ") &&
                        Catch::Contains("models with fixed normalizer sites (lstm)"));
  CHECK_THAT(o.out, Catch::Contains("  norm=layer placement=n/a\n") &&
                        Catch::Contains("  norm=rms placement=n/a\n"));
  CHECK_THAT(o.out, !Catch::Contains("placement=pre") && !Catch::Contains("placement=post"));
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("a sweep never writes into a directory that holds another sweep's results") {
  TempDir dir("othername");
  REQUIRE(run_normlab(short_quickstart("store", "2"), dir.path()).status == 0);
  const std::string before = slurp(dir / "store/runs.csv");
  const Outcome o = run_normlab({"run", kConfigs + "ioffe2015.toml", "--quick", "--set", "steps=2", "--out", "store"},
                                dir.path());
  CHECK(o.status == 2);
  CHECK_THAT(o.err, Catch::Contains("store holds the results of the sweep 'quickstart', not 'ioffe2015'"));
  CHECK(slurp(dir / "store/runs.csv") == before);
}

TEST_CASE("a changed sweep keeps the earlier runs and sets the figures drawn from them aside") {
  TempDir dir("changedcli");
  REQUIRE(run_normlab(short_quickstart("store", "2"), dir.path()).status == 0);
  fs::create_directories(dir / "store/figures");
  write_text(dir / "store/figures/summary.tex", "old table\n");
  std::vector<std::string> longer = short_quickstart("store", "2");
  longer[4] = "steps=7";
  const Outcome o = run_normlab(longer, dir.path());
  REQUIRE(o.status == 0);
  CHECK_THAT(o.out, Catch::Contains("was drawn from another set of runs; moved to"));
  CHECK_FALSE(fs::exists(dir / "store/figures"));
  std::size_t stored = 0, asides = 0;
  for (const auto& e : fs::directory_iterator(dir / "store/.runs")) stored += fs::exists(e.path() / "done");
  for (const auto& e : fs::directory_iterator(dir / "store"))
    asides += e.path().filename().string().rfind("figures.", 0) == 0 && fs::exists(e.path() / "summary.tex");
  CHECK(stored == 20);  // 10 runs of 6 steps and 10 of 7 (none and weight once each per seed)
  CHECK(asides == 1);
  CHECK(read_csv(dir / "store/runs.csv").rows.size() == 10);
}

TEST_CASE("normlab summarize prints mean ± 95% CI over seeds from a sweep's runs.csv") {
  TempDir dir("summarize");
  fs::create_directories(dir / "sweep");
  write_text(dir / "sweep/runs.csv",
             "run_id,norm,placement,seed,status,diverged_step,error,train_loss,train_accuracy,test_loss,test_accuracy,"
             "steps_done,wall_seconds\n"
             "r0000,batch,pre,0,ok,,,0.5,0.8,0.6,0.75,10,1.5\n"
             "r0001,batch,pre,1,ok,,,0.5,0.8,0.6,0.85,10,1.5\n"
             "r0002,\"group:num_groups=4\",pre,0,diverged,3,,,,,,3,0.2\n"
             "r0003,\"group:num_groups=4\",pre,1,ok,,,0.5,0.8,0.6,0.5,10,1.5\n");
  const Outcome md = run_normlab({"summarize", "sweep"}, dir.path());
  REQUIRE(md.status == 0);
  // t(0.975, 1) = 12.7062; std of (0.75, 0.85) = 0.0707107; half-width = 12.7062 * 0.0707107 / sqrt(2) = 0.6353.
  CHECK(md.out == "| norm | test_accuracy (mean ± 95% CI) | n | diverged | failed |\n"
                  "|---|---:|---:|---:|---:|\n"
                  "| batch | 0.8000 ± 0.6353 | 2 | 0 | 0 |\n"
                  "| group:num_groups=4 | 0.5000 † | 1 | 1 | 0 |\n"
                  "\n† some runs of this group diverged or failed; the mean is over the runs that finished.\n");
  const Outcome csv = run_normlab({"summarize", "sweep", "--by", "placement", "--metric", "train_loss", "--format", "csv"},
                                  dir.path());
  REQUIRE(csv.status == 0);
  CHECK_THAT(csv.out, Catch::StartsWith("placement,train_loss_mean,train_loss_ci95,train_loss_std,n,diverged,failed\n"
                                        "pre,0.5,0,0,3,1,0\n"));
  const Outcome bad = run_normlab({"summarize", "sweep", "--by", "colour"}, dir.path());
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("--by: 'colour' is not a configuration column"));
  const Outcome none = run_normlab({"summarize", "nowhere"}, dir.path());
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Catch::Contains("nowhere/runs.csv: cannot read"));
}
