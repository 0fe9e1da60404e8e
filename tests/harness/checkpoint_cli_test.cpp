// Checkpoints and normlab eval end to end, through the executable: a sweep with checkpoint_every
// killed with SIGKILL after a checkpoint appeared and rerun equals an uninterrupted sweep byte
// for byte (apart from wall_seconds); checkpoint_every is not part of the run identity; the final
// checkpoint stays with the run and normlab eval / model --from use it; bad checkpoints and data
// are one-line errors with exit 2.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "experiments/harness/csv.hpp"
#include "harness/harness_test_util.hpp"
#include "harness/process_util.hpp"
#include "norms/core/safetensors.hpp"

namespace fs = std::filesystem;
using namespace normlab;
using namespace normlab::test;

namespace {

// Two runs of a small CNN with batch norm and momentum; about a second each.
const char* const kSweep = R"(name = "ckpt"
norm = "batch"
model = "vgg:widths=8x16"
data = "glyphs:train=512,test=128"
seed = [0, 1]
batch_size = 32
lr = 0.05
optimizer = "sgd:momentum=0.9"
steps = 240
eval_every = 40
log_every = 10
stats_every = 30
)";

std::vector<std::string> run_args(const std::string& out, const std::string& checkpoint_every) {
  return {"run", "sweep.toml", "--set", "checkpoint_every=" + checkpoint_every, "--jobs", "1", "--out", out};
}

void check_same_results(const std::string& a, const std::string& b) {
  for (const char* file : {"curves.csv", "layer_stats.csv"}) {
    INFO(file);
    CHECK(slurp(a + "/" + file) == slurp(b + "/" + file));
  }
  CHECK(without_wall_seconds(slurp(a + "/runs.csv")) == without_wall_seconds(slurp(b + "/runs.csv")));
}

// Files under DIR/.runs whose name contains `part` (is `part`, for checkpoint.safetensors).
std::vector<std::string> store_files(const std::string& dir, const std::string& part) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/.runs", ec))
    if (part == "checkpoint.safetensors" ? e.path().filename() == part
                                         : e.path().filename().string().find(part) != std::string::npos)
      found.push_back(e.path().string());
  return found;
}

// A sweep run once, uninterrupted and checkpointed, shared by the eval tests.
struct Finished {
  TempDir dir{"ckpt-eval"};
  std::string checkpoint;  // run seed=0's final checkpoint
  std::string test_accuracy;
  Finished() {
    write_text(dir / "sweep.toml", kSweep);
    const Outcome o = run_normlab(run_args("out", "100"), dir.path());
    REQUIRE(o.status == 0);
    const CsvTable runs = read_csv(dir / "out/runs.csv");
    REQUIRE(runs.rows.size() == 2);
    std::size_t id = 0, accuracy = 0;
    for (std::size_t c = 0; c < runs.header.size(); ++c) {
      if (runs.header[c] == "run_id") id = c;
      if (runs.header[c] == "test_accuracy") accuracy = c;
    }
    checkpoint = dir / ("out/.runs/" + runs.rows[0][id] + "/checkpoint.safetensors");
    test_accuracy = runs.rows[0][accuracy];
  }
};

Finished& finished() {
  static Finished f;
  return f;
}

}  // namespace

TEST_CASE(
    "checkpoints: a sweep killed with SIGKILL after a checkpoint and rerun equals an uninterrupted one") {
  TempDir dir("ckpt-resume");
  write_text(dir / "sweep.toml", kSweep);
  const Outcome whole = run_normlab(run_args("whole", "0"), dir.path());
  REQUIRE(whole.status == 0);

  const pid_t pid = spawn_normlab(run_args("resumed", "20"), dir.path(), dir / "out1", dir / "err1");
  REQUIRE(pid > 0);
  // Killed once the first run has a checkpoint past its first one, before it finishes, and
  // preferably while the next checkpoint is being written (its temporary file exists): the kill
  // -9 during a checkpoint write of the issue. The loop polls without sleeping to catch one.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string checkpoint;
  bool during_write = false;
  std::chrono::steady_clock::time_point first_seen;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto files = store_files(dir / "resumed", "checkpoint.safetensors");
    if (files.empty()) continue;
    if (checkpoint.empty()) {
      try {
        if (read_safetensors(files[0]).meta("step") != "20") {
          checkpoint = files[0];
          first_seen = std::chrono::steady_clock::now();
        }
      } catch (...) {  // renamed away at the run's end, just now
      }
      continue;
    }
    during_write = !store_files(dir / "resumed", ".tmp.").empty();
    if (during_write || std::chrono::steady_clock::now() - first_seen > std::chrono::milliseconds(400)) break;
  }
  kill(pid, SIGKILL);
  CHECK(wait_status(pid) == -SIGKILL);
  REQUIRE(checkpoint != "");
  // A checkpoint survives the kill whole (it is replaced by rename), of a step before the end.
  const std::string step = read_safetensors(checkpoint).meta("step");
  INFO("killed with a checkpoint of step " << step << (during_write ? " while writing the next" : ""));
  CHECK(std::stoul(step) % 20 == 0);
  CHECK(std::stoul(step) < 240);
  CHECK(read_csv(dir / "resumed/runs.csv").rows.size() < 2);
  WARN((during_write ? "killed during a checkpoint write" : "killed between checkpoint writes"));

  const Outcome resumed = run_normlab(run_args("resumed", "20"), dir.path());
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  check_same_results(dir / "whole", dir / "resumed");
  // It did resume: the run continued from the checkpoint the kill left.
  CHECK_THAT(resumed.out, Catch::Contains("(resumed from step " + step + ")"));
  // Each finished run keeps its final checkpoint; the running checkpoints and temporary files are gone.
  CHECK(store_files(dir / "resumed", ".checkpoint").empty());
  CHECK(store_files(dir / "resumed", ".tmp.").empty());
  const auto finals = store_files(dir / "resumed", "checkpoint.safetensors");
  REQUIRE(finals.size() == 2);
  for (const auto& f : finals)
    CHECK(read_safetensors(f).meta("step") == "240");
  // Without checkpoints the runs have no checkpoint file.
  CHECK(store_files(dir / "whole", "checkpoint").empty());
}

TEST_CASE("checkpoints: checkpoint_every is not part of a run's identity") {
  TempDir dir("ckpt-identity");
  write_text(dir / "sweep.toml", kSweep);
  const Outcome without =
      run_normlab({"run", "sweep.toml", "--set", "steps=5", "--out", "o", "--dry-run"}, dir.path());
  const Outcome with = run_normlab(
      {"run", "sweep.toml", "--set", "steps=5", "--set", "checkpoint_every=2", "--out", "o", "--dry-run"},
      dir.path());
  REQUIRE(without.status == 0);
  REQUIRE(with.status == 0);
  CHECK(with.out == without.out);  // the same run ids and labels
  REQUIRE(run_normlab({"run", "sweep.toml", "--set", "steps=5", "--out", "o"}, dir.path()).status == 0);
  const Outcome again = run_normlab(
      {"run", "sweep.toml", "--set", "steps=5", "--set", "checkpoint_every=2", "--out", "o"}, dir.path());
  REQUIRE(again.status == 0);
  CHECK_THAT(again.out, Catch::Contains("2 ok, 0 diverged, 0 failed (2 done before)"));
  const Outcome bad =
      run_normlab({"run", "sweep.toml", "--set", "checkpoint_every=-1", "--dry-run"}, dir.path());
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("checkpoint_every"));
}

TEST_CASE("normlab eval: a saved model's test loss and accuracy, in eval and train mode, as tidy CSV") {
  Finished& f = finished();
  const Outcome o = run_normlab(
      {"eval", f.checkpoint, "--data", "glyphs:train=512,test=128", "--out", "e.csv"}, f.dir.path());
  INFO(o.err);
  REQUIRE(o.status == 0);
  // The same data (the run's seed by default) in eval mode: the run's own final test accuracy.
  CHECK_THAT(o.out, Catch::Contains("accuracy " + f.test_accuracy + "\n"));
  const CsvTable csv = read_csv(f.dir / "e.csv");
  CHECK(csv.header == std::vector<std::string>{"checkpoint", "data", "mode", "metric", "value"});
  REQUIRE(csv.rows.size() == 2);
  CHECK(csv.rows[0][2] == "eval");
  CHECK(csv.rows[0][3] == "loss");
  CHECK(csv.rows[1][4] == f.test_accuracy);

  const Outcome train = run_normlab({"eval", f.checkpoint, "--data", "glyphs:train=512,test=128", "--mode",
                                     "train", "--batch-size", "16", "--out", "t.csv"},
                                    f.dir.path());
  REQUIRE(train.status == 0);
  CHECK(read_csv(f.dir / "t.csv").rows[1][2] == "train");

  const Outcome model = run_normlab({"model", "--from", f.checkpoint}, f.dir.path());
  REQUIRE(model.status == 0);
  CHECK_THAT(model.out, Catch::Contains("Conv2d(1, 8"));
  CHECK_THAT(model.out, Catch::Contains("BatchNorm"));
}

TEST_CASE("normlab eval: bad checkpoints and data that do not fit are one-line errors with exit 2") {
  Finished& f = finished();
  const std::string bytes = slurp(f.checkpoint);
  write_text(f.dir / "truncated.safetensors", bytes.substr(0, bytes.size() - 100));
  SafetensorsFile file = decode_safetensors(bytes, "x");
  for (auto& [k, v] : file.metadata)
    if (k == "result_version") v = "0";
  write_text(f.dir / "old.safetensors", encode_safetensors(file));
  file = decode_safetensors(bytes, "x");
  for (auto& t : file.tensors)
    if (t.name == "0.weight") t.shape[0] = 4, t.bytes.resize(t.bytes.size() / 2);
  write_text(f.dir / "shape.safetensors", encode_safetensors(file));
  write_text(f.dir / "text.safetensors", "not a checkpoint at all");

  std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"eval", "truncated.safetensors", "--data", "glyphs"},
       "truncated.safetensors: not a valid safetensors file"},
      {{"eval", "text.safetensors", "--data", "glyphs"}, "text.safetensors: not a valid safetensors file"},
      {{"eval", "old.safetensors", "--data", "glyphs"}, "a checkpoint of normlab result version 0"},
      {{"eval", "shape.safetensors", "--data", "glyphs"}, "tensor '0.weight' has shape (4, 1, 3, 3)"},
      {{"eval", "missing.safetensors", "--data", "glyphs"}, "missing.safetensors: cannot open the file"},
      {{"eval", f.checkpoint, "--data", "patches:train=16,test=16"}, "has samples of shape (3, 32, 32)"},
      {{"eval", f.checkpoint, "--data", "glyphs", "--mode", "test"}, "--mode 'test'"},
      {{"model", "--from", "shape.safetensors"}, "tensor '0.weight' has shape"},
  };
  // A model of 4 classes (tabular's default) against data of 3 classes with the same sample shape.
  write_text(f.dir / "tabular.toml", "name = \"tab\"\nsteps = 3\ncheckpoint_every = 3\n");
  REQUIRE(run_normlab({"run", "tabular.toml", "--out", "tab"}, f.dir.path()).status == 0);
  std::string tabular;
  for (const auto& e : fs::recursive_directory_iterator(f.dir / "tab/.runs"))
    if (e.path().filename() == "checkpoint.safetensors") tabular = e.path().string();
  REQUIRE(tabular != "");
  cases.push_back({{"eval", tabular, "--data", "tabular:classes=3"},
                   "has 4 outputs but data set 'tabular:classes=3' has 3 classes"});
  for (const auto& [args, message] : cases) {
    INFO(args[1]);
    const Outcome o = run_normlab(args, f.dir.path());
    CHECK(o.status == 2);
    CHECK_THAT(o.err, Catch::Contains(message));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
}
