// Checkpoints in the trainer: a run interrupted after a checkpoint and resumed from it emits
// exactly the records and final metrics of an uninterrupted run (bit for bit), with batch norm's
// running buffers, a dropout stream, momentum SGD and Adam state all in play; a checkpoint write
// that fails leaves the previous checkpoint usable; a checkpoint of another model or result
// version is refused.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <unistd.h>
#include <filesystem>

#include "experiments/checkpoint/saved_model.hpp"
#include "experiments/checkpoint/training_checkpoint.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/harness/run_identity.hpp"
#include "experiments/train/trainer.hpp"
#include "harness/harness_test_util.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

const Dataset& data() {
  static const Dataset d = make_dataset("tabular:train=600,test=200", 3);
  return d;
}

// Every record as text with all digits, so that two runs compare bit for bit.
class TextSink : public MetricSink {
 public:
  void metric(std::size_t step, double epoch, const std::string& split, const std::string& metric,
              double value) override {
    text += fmt::format("m {} {:a} {} {} {:a}\n", step, epoch, split, metric, value);
  }
  void layer_stat(std::size_t step, const std::string& layer, const std::string& stat,
                  double value) override {
    text += fmt::format("s {} {} {} {:a}\n", step, layer, stat, value);
  }
  std::string text;
};

ModelOptions model_options() {
  ModelOptions options;
  options.model = "mlp:widths=32x16,dropout=0.2";
  options.norm = "batch";
  return options;
}

Model<float> make_model() {
  Rng rng = Rng::stream(7, "init");
  return build_model<float>(model_options(), data().sample_shape, data().num_classes, rng);
}

TrainOptions options(const std::string& optimizer) {
  TrainOptions o;
  o.optimizer = optimizer;
  o.lr = 0.05;
  o.batch_size = 32;
  o.steps = 45;  // 18 batches an epoch: the interruption lands in the second epoch's shuffle
  o.eval_every = 10;
  o.log_every = 3;
  o.stats_every = 7;
  o.seed = 7;
  return o;
}

CheckpointOptions checkpoint_at(const std::string& path, std::size_t every) {
  CheckpointOptions c;
  c.path = path;
  c.every = every;
  const ModelOptions m = model_options();
  c.metadata = {
      {"run_id", "test"},         {"model", m.model},     {"norm", m.norm},
      {"placement", m.placement}, {"bias", m.bias},       {"init", m.init},
      {"data", "tabular"},        {"sample_shape", "32"}, {"num_classes", std::to_string(data().num_classes)},
      {"loss", "cross_entropy"},  {"batch_size", "32"},   {"seed", "7"}};
  return c;
}

struct Interrupted {};  // thrown from the progress callback: a kill after step `at`

std::string result_text(const TrainResult& r) {
  return fmt::format("{} {} {:a} {:a} {:a} {:a}", r.status, r.steps_done, r.train_loss, r.train_accuracy,
                     r.test_loss, r.test_accuracy);
}

}  // namespace

TEST_CASE(
    "checkpoint: a run interrupted and resumed from its checkpoint equals an uninterrupted run bit for bit") {
  for (const std::string optimizer : {"sgd:momentum=0.9,nesterov=true", "adam"}) {
    for (const std::size_t kill_after : {std::size_t(23), std::size_t(45)}) {
      INFO(optimizer << ", killed after step " << kill_after);
      TextSink whole;
      Model<float> a = make_model();
      const TrainResult expected = train(a, data(), options(optimizer), whole);

      TempDir dir("resume");
      const CheckpointOptions checkpoint = checkpoint_at(dir / "checkpoint.safetensors", 10);
      TextSink first_part;
      Model<float> b = make_model();
      const auto kill = [&](std::size_t step, std::size_t) {
        if (step == kill_after) throw Interrupted{};
      };
      REQUIRE_THROWS_AS(train(b, data(), options(optimizer), first_part, kill, checkpoint), Interrupted);
      // The last checkpoint is of step 20 (or 45, the end); the rest of the run is done again.
      const SafetensorsFile saved = read_checkpoint(checkpoint.path);
      CHECK(saved.meta("step") == (kill_after == 45 ? "45" : "20"));
      CHECK(saved.meta("result_version") == std::to_string(kResultVersion));
      CHECK(saved.find("1.running_mean") != nullptr);
      CHECK(saved.find(optimizer == "adam" ? "optimizer.0.weight.exp_avg_sq"
                                           : "optimizer.0.weight.momentum_buffer"));
      CHECK(saved.find("rng.3.rng") != nullptr);  // the dropout layer's stream

      TextSink resumed;
      Model<float> c = make_model();  // a fresh process: new model, initial state
      const TrainResult got = train(c, data(), options(optimizer), resumed, {}, checkpoint);
      CHECK(resumed.text == whole.text);
      CHECK(result_text(got) == result_text(expected));
      CHECK(got.resumed_from_step == (kill_after == 45 ? 45 : 20));
      CHECK(expected.resumed_from_step == 0);
      CHECK(resumed.text.find("s 7 ") != std::string::npos);  // layer statistics are among the records
    }
  }
}

TEST_CASE(
    "checkpoint: without the saved shuffle or dropout stream a resumed run would differ (the test can "
    "fail)") {
  TextSink whole;
  Model<float> a = make_model();
  train(a, data(), options("sgd:momentum=0.9"), whole);
  TempDir dir("resume-broken");
  const CheckpointOptions checkpoint = checkpoint_at(dir / "checkpoint.safetensors", 10);
  TextSink ignored;
  Model<float> b = make_model();
  const auto kill = [&](std::size_t step, std::size_t) {
    if (step == 23) throw Interrupted{};
  };
  REQUIRE_THROWS_AS(train(b, data(), options("sgd:momentum=0.9"), ignored, kill, checkpoint), Interrupted);
  // Reset the dropout stream in the file to a fresh one: the resumed curves must then differ.
  SafetensorsFile file = read_checkpoint(checkpoint.path);
  for (auto& t : file.tensors)
    if (t.name == "rng.3.rng") t.bytes[0] ^= 1;
  write_text(checkpoint.path, encode_safetensors(file));
  TextSink resumed;
  Model<float> c = make_model();
  train(c, data(), options("sgd:momentum=0.9"), resumed, {}, checkpoint);
  CHECK(resumed.text != whole.text);
}

TEST_CASE(
    "checkpoint: a failed checkpoint write leaves the previous checkpoint, and the run resumes from it") {
  TextSink whole;
  Model<float> a = make_model();
  const TrainResult expected = train(a, data(), options("adam"), whole);

  TempDir dir("torn");
  const CheckpointOptions checkpoint = checkpoint_at(dir / "checkpoint.safetensors", 10);
  TextSink first_part;
  Model<float> b = make_model();
  // Injected fault: after the checkpoint of step 10, the temporary file of the next write cannot
  // be created (a directory is in its place), as when the disk fails part way.
  const std::string temporary = checkpoint.path + ".tmp." + std::to_string(::getpid());
  const auto fault = [&](std::size_t step, std::size_t) {
    if (step == 10) std::filesystem::create_directory(temporary);
  };
  CHECK_THROWS_WITH(train(b, data(), options("adam"), first_part, fault, checkpoint),
                    Catch::Contains("checkpoint.safetensors.tmp."));
  std::filesystem::remove(temporary);
  CHECK(read_checkpoint(checkpoint.path).meta("step") == "10");
  // A write cut short by kill -9 leaves a torn temporary file beside the checkpoint; it is never read.
  write_text(checkpoint.path + ".tmp.999999", "torn");
  TextSink resumed;
  Model<float> c = make_model();
  const TrainResult got = train(c, data(), options("adam"), resumed, {}, checkpoint);
  CHECK(resumed.text == whole.text);
  CHECK(result_text(got) == result_text(expected));
}

TEST_CASE("checkpoint: another run's checkpoint, another result version or another model is refused") {
  TempDir dir("refused");
  CheckpointOptions checkpoint = checkpoint_at(dir / "checkpoint.safetensors", 45);
  {
    TextSink sink;
    Model<float> m = make_model();
    train(m, data(), options("sgd"), sink, {}, checkpoint);
  }
  // The final checkpoint rebuilds the model from its metadata alone.
  const SavedModel saved = load_saved_model(checkpoint.path);
  CHECK(saved.step == 45);
  CHECK(saved.options.model == "mlp:widths=32x16,dropout=0.2");

  CheckpointOptions other = checkpoint;
  other.metadata[0].second = "another";
  TextSink sink;
  Model<float> m = make_model();
  CHECK_THROWS_WITH(train(m, data(), options("sgd"), sink, {}, other),
                    Catch::Contains("a checkpoint of run test, not of run another"));

  SafetensorsFile file = read_checkpoint(checkpoint.path);
  for (auto& [k, v] : file.metadata)
    if (k == "result_version") v = "999";
  write_text(dir / "old.safetensors", encode_safetensors(file));
  CHECK_THROWS_WITH(load_saved_model(dir / "old.safetensors"),
                    Catch::Contains("a checkpoint of normlab result version 999; this normlab is version"));

  file = read_checkpoint(checkpoint.path);
  for (auto& t : file.tensors)
    if (t.name == "4.weight") t.shape = {t.shape[1], t.shape[0]};
  write_text(dir / "shape.safetensors", encode_safetensors(file));
  CHECK_THROWS_WITH(
      load_saved_model(dir / "shape.safetensors"),
      Catch::Contains("tensor '4.weight' has shape (32, 16) but the model's has shape (16, 32)"));
}
