// dtype = float64: the trainer, evaluation, layer statistics, PreciseBN and checkpoints in double.
// A float64 run follows the float32 run of the same configuration closely (the same initial values
// and batches; only rounding differs), and a float64 checkpoint stores F64 tensors and resumes a
// run bit for bit.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <cmath>

#include "experiments/checkpoint/training_checkpoint.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/train/trainer.hpp"
#include "harness/harness_test_util.hpp"
#include "norms/core/errors.hpp"
#include "recording_sink.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

const Dataset& glyphs() {
  static const Dataset data = make_dataset("glyphs:train=256,test=128", 2);
  return data;
}

template <class T>
Model<T> cnn(const std::string& norm) {
  ModelOptions options;
  options.model = "vgg:widths=4x8";
  options.norm = norm;
  Rng rng = Rng::stream(5, "init");
  return build_model<T>(options, glyphs().sample_shape, glyphs().num_classes, rng);
}

TrainOptions options() {
  TrainOptions o;
  o.optimizer = "sgd:momentum=0.9";
  o.lr = 0.05;
  o.batch_size = 16;
  o.steps = 30;
  o.eval_every = 10;
  o.stats_every = 10;
  o.precise_bn = 3;
  o.seed = 5;
  return o;
}

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

}  // namespace

TEST_CASE("dtype: a float64 CNN run trains and its loss curve stays close to the float32 run's") {
  RecordingSink single, twice;
  Model<float> f = cnn<float>("batch");
  Model<double> d = cnn<double>("batch");
  const TrainResult rf = train(f, glyphs(), options(), single);
  const TrainResult rd = train(d, glyphs(), options(), twice);
  REQUIRE(rd.status == "ok");
  const auto lf = single.select("train", "loss"), ld = twice.select("train", "loss");
  REQUIRE(lf.size() == ld.size());
  REQUIRE(ld.size() == 30);
  CHECK(ld.back().value < ld.front().value);  // it learns
  // The first step sees identical parameters up to float rounding of the initial values (the
  // float model rounds what the double model keeps): the losses agree to float precision.
  CHECK(std::abs(lf[0].value - ld[0].value) <= 1e-5 * std::abs(ld[0].value));
  // Rounding differences grow over training but stay small over 30 steps.
  for (std::size_t i = 0; i < ld.size(); ++i)
    CHECK(std::abs(lf[i].value - ld[i].value) <= 2e-2 * ld[0].value);
  CHECK(std::abs(rf.test_accuracy - rd.test_accuracy) <= 0.05);
  // Layer statistics are recorded in double too.
  CHECK(twice.stats.size() == single.stats.size());
  // The float64 run is not the float32 run with another label: its values differ in the low bits.
  CHECK(lf.back().value != ld.back().value);
}

TEST_CASE(
    "dtype: a float64 checkpoint holds F64 tensors and a resumed float64 run equals the uninterrupted one") {
  TextSink whole;
  Model<double> a = cnn<double>("batch");
  const TrainResult expected = train(a, glyphs(), options(), whole);

  TempDir dir("dtype_checkpoint");
  CheckpointOptions checkpoint;
  checkpoint.path = dir / "checkpoint.safetensors";
  checkpoint.every = 10;
  checkpoint.metadata = {{"run_id", "test"}, {"dtype", "float64"}};
  struct Interrupted {};
  TextSink first;
  Model<double> b = cnn<double>("batch");
  REQUIRE_THROWS_AS(train(
                        b, glyphs(), options(), first,
                        [](std::size_t step, std::size_t) {
                          if (step == 17) throw Interrupted{};
                        },
                        checkpoint),
                    Interrupted);
  const SafetensorsFile saved = read_checkpoint(checkpoint.path);
  REQUIRE(saved.find("0.weight") != nullptr);
  CHECK(saved.find("0.weight")->dtype == SafeDtype::F64);
  CHECK(saved.find("1.running_var")->dtype == SafeDtype::F64);
  CHECK(saved.find("optimizer.0.weight.momentum_buffer")->dtype == SafeDtype::F64);

  TextSink resumed;
  Model<double> c = cnn<double>("batch");
  const TrainResult got = train(c, glyphs(), options(), resumed, {}, checkpoint);
  CHECK(got.resumed_from_step == 10);
  CHECK(resumed.text == whole.text);
  CHECK(fmt::format("{:a} {:a}", got.test_loss, got.train_loss) ==
        fmt::format("{:a} {:a}", expected.test_loss, expected.train_loss));

  // The same file cannot resume a float32 model: the dtype is named.
  TextSink other;
  Model<float> f = cnn<float>("batch");
  try {
    train(f, glyphs(), options(), other, {}, checkpoint);
    FAIL("a float64 checkpoint resumed a float32 model");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("F64; expected F32") != std::string::npos);
  }
}
