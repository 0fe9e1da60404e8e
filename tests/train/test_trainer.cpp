// The trainer on small synthetic tasks: tests that can fail if training, evaluation, divergence
// handling, determinism or the records are wrong. Each runs in well under a second.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "experiments/data/make_dataset.hpp"
#include "experiments/train/evaluation.hpp"
#include "experiments/train/layer_stats.hpp"
#include "experiments/train/trainer.hpp"
#include "norms/core/errors.hpp"
#include "recording_sink.hpp"

using namespace normlab;

namespace {

// The tabular task WITHOUT standardization: features on scales 1e-3..1e3 with large offsets.
const Dataset& tabular() {
  static const Dataset data = make_dataset("tabular:train=4000,test=1000", 1);
  return data;
}

Model<float> mlp(const std::string& norm, const Dataset& data, std::uint64_t seed = 0,
                 const std::string& spec = "mlp:widths=64x64") {
  ModelOptions options;
  options.model = spec;
  options.norm = norm;
  Rng rng = Rng::stream(seed, "init");
  return build_model<float>(options, data.sample_shape, data.num_classes, rng);
}

TrainOptions sgd_options(std::size_t steps) {
  TrainOptions options;
  options.optimizer = "sgd:momentum=0.9";
  options.lr = 0.1;
  options.batch_size = 64;
  options.steps = steps;
  options.eval_every = 100;
  options.log_every = 10;
  return options;
}

}  // namespace

TEST_CASE("an MLP with batch norm learns the unstandardized tabular task, without normalization it does not") {
  // 300 steps of batch 64 (under 5 epochs). Measured: batch norm 97.7-97.8% test accuracy over
  // init seeds 0-2; no normalization stays at chance (25%) on the raw features.
  RecordingSink sink;
  Model<float> with_bn = mlp("batch", tabular());
  const TrainResult bn = train(with_bn, tabular(), sgd_options(300), sink);
  CHECK(bn.status == "ok");
  CHECK(bn.steps_done == 300);
  CHECK(bn.test_accuracy >= 0.90);
  CHECK(bn.train_accuracy >= 0.90);

  RecordingSink plain_sink;
  Model<float> without = mlp("none", tabular());
  const TrainResult plain = train(without, tabular(), sgd_options(300), plain_sink);
  CHECK((plain.status == "diverged" || plain.test_accuracy < 0.5));

  // Standardizing the inputs (the data-layer special case of batch norm) rescues the plain MLP.
  const Dataset standardized = make_dataset("tabular:train=4000,test=1000,standardize=true", 1);
  Model<float> plain_standardized = mlp("none", standardized);
  RecordingSink standardized_sink;
  CHECK(train(plain_standardized, standardized, sgd_options(300), standardized_sink).test_accuracy >= 0.90);
}

TEST_CASE("a NaN-producing learning rate ends the run as diverged at that step") {
  RecordingSink sink;
  Model<float> model = mlp("none", tabular());
  TrainOptions options = sgd_options(50);
  options.optimizer = "sgd";
  options.lr = 1000;
  options.log_every = 1;
  const TrainResult result = train(model, tabular(), options, sink);
  REQUIRE(result.status == "diverged");
  CHECK(result.diverged_step >= 2);  // the first loss is computed before any update
  CHECK(result.steps_done == result.diverged_step - 1);
  CHECK(std::isnan(result.test_accuracy));
  const auto losses = sink.select("train", "loss");
  REQUIRE_FALSE(losses.empty());
  CHECK(losses.back().step == result.diverged_step);
  CHECK_FALSE(std::isfinite(losses.back().value));
  for (const auto& record : sink.metrics) CHECK(record.step <= result.diverged_step);  // stopped at once
  CHECK(sink.select("test", "accuracy").empty());
}

TEST_CASE("a run is fully determined by its options and seed") {
  auto run = [](std::uint64_t seed) {
    RecordingSink sink;
    Model<float> model = mlp("batch", tabular());
    TrainOptions options = sgd_options(60);
    options.eval_every = 30;
    options.seed = seed;
    const TrainResult result = train(model, tabular(), options, sink);
    return std::make_pair(result, sink);
  };
  const auto [a, sink_a] = run(3);
  const auto [b, sink_b] = run(3);
  const auto [c, sink_c] = run(4);
  CHECK(a.test_loss == b.test_loss);
  REQUIRE(sink_a.metrics.size() == sink_b.metrics.size());
  for (std::size_t i = 0; i < sink_a.metrics.size(); ++i) CHECK(sink_a.metrics[i].value == sink_b.metrics[i].value);
  CHECK(a.test_loss != c.test_loss);  // another shuffling order
}

TEST_CASE("records: train every log_every steps, test every eval_every steps and at the end") {
  RecordingSink sink;
  Model<float> model = mlp("batch", tabular());
  TrainOptions options = sgd_options(0);
  options.epochs = 1.5;  // 4000 / 64 = 62 batches per epoch with drop_last -> 93 steps
  options.eval_every = 40;
  options.log_every = 25;
  const TrainResult result = train(model, tabular(), options, sink);
  CHECK(result.steps_done == 93);
  const auto train_losses = sink.select("train", "loss");
  REQUIRE(train_losses.size() == 3);
  CHECK(train_losses[0].step == 25);
  CHECK(train_losses[2].step == 75);
  CHECK(train_losses[1].epoch == Approx(50.0 / 62.0));
  CHECK(sink.select("train", "accuracy").size() == 3);
  const auto test_accuracy = sink.select("test", "accuracy");
  REQUIRE(test_accuracy.size() == 3);
  CHECK(test_accuracy[0].step == 40);
  CHECK(test_accuracy[1].step == 80);
  CHECK(test_accuracy[2].step == 93);
  CHECK(test_accuracy[2].value == result.test_accuracy);
  CHECK(sink.select("test", "loss").back().value == result.test_loss);
  CHECK(sink.select("test", "accuracy_train_mode").size() == 3);
  for (const auto& r : sink.metrics) {
    CHECK(std::isfinite(r.value));
    if (r.metric.find("accuracy") != std::string::npos) CHECK((r.value >= 0 && r.value <= 1));
  }
  CHECK(sink.stats.empty());  // stats_every = 0
}

TEST_CASE("the final train metrics are evaluation-mode metrics on the training split") {
  RecordingSink sink;
  Model<float> model = mlp("batch", tabular());
  const TrainResult result = train(model, tabular(), sgd_options(40), sink);
  EvalScratch scratch;
  const Evaluation train_eval = evaluate(model, tabular().train, LossKind::cross_entropy, 10000, scratch);
  CHECK(result.train_loss == train_eval.loss);
  CHECK(result.train_accuracy == train_eval.accuracy);
}

TEST_CASE("train-mode accuracy uses batch statistics and leaves the running buffers unchanged") {
  RecordingSink sink;
  Model<float> model = mlp("batch", tabular());
  train(model, tabular(), sgd_options(30), sink);
  std::vector<Tensor<float>> before;
  for (const auto& buffer : model.buffers()) before.push_back(*buffer.value);
  REQUIRE_FALSE(before.empty());
  EvalScratch scratch;
  const double eval_before = evaluate(model, tabular().test, LossKind::cross_entropy, 1000, scratch).loss;
  const double accuracy = train_mode_accuracy(model, tabular().test, 64, scratch);
  CHECK((accuracy > 0.25 && accuracy <= 1.0));
  const auto after = model.buffers();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(std::equal(before[i].begin(), before[i].end(), after[i].value->begin()));
  CHECK(evaluate(model, tabular().test, LossKind::cross_entropy, 1000, scratch).loss == eval_before);
}

TEST_CASE("layer statistics describe feature 0 of every normalization layer's input") {
  RecordingSink sink;
  Model<float> model = mlp("batch", tabular());
  TrainOptions options = sgd_options(20);
  options.stats_every = 10;
  train(model, tabular(), options, sink);
  LayerStatsRecorder recorder(model);
  REQUIRE(recorder.layer_count() == 2);  // one BatchNorm1d per hidden layer
  // Per record step and layer: mean, std, p15, p50, p85, running_mean, running_var, batch_mean, batch_var.
  CHECK(sink.stats.size() == 2 * 2 * 9);
  std::map<std::string, double> at_step_20;
  std::string layer;
  for (const auto& s : sink.stats)
    if (s.step == 20 && (layer.empty() || s.layer == layer)) {
      layer = s.layer;
      at_step_20[s.stat] = s.value;
    }
  CHECK((at_step_20["p15"] <= at_step_20["p50"] && at_step_20["p50"] <= at_step_20["p85"]));
  CHECK(at_step_20["batch_mean"] == at_step_20["mean"]);
  CHECK(at_step_20["batch_var"] == Approx(at_step_20["std"] * at_step_20["std"]).epsilon(1e-12));
  CHECK(at_step_20["std"] > 0);
  // Running statistics move towards the batch statistics with momentum 0.1 from (0, 1).
  CHECK(at_step_20["running_var"] > 0);
  CHECK(at_step_20["running_mean"] != 0);
}

TEST_CASE("percentiles interpolate linearly, as numpy.percentile") {
  // numpy.percentile([1, 2, 4, 8, 16], [15, 50, 85]) = [1.6, 4.0, 11.2]
  const std::vector<double> sorted = {1, 2, 4, 8, 16};
  CHECK(sorted_percentile(sorted, 0.15) == Approx(1.6).epsilon(1e-14));
  CHECK(sorted_percentile(sorted, 0.50) == Approx(4.0).epsilon(1e-14));
  CHECK(sorted_percentile(sorted, 0.85) == Approx(11.2).epsilon(1e-14));
  CHECK(sorted_percentile({3.0}, 0.85) == 3.0);
}

TEST_CASE("bad training options are InputErrors") {
  RecordingSink sink;
  Model<float> model = mlp("batch", tabular());
  TrainOptions options = sgd_options(10);
  options.loss = "hinge";
  CHECK_THROWS_AS(train(model, tabular(), options, sink), InputError);
  options = sgd_options(10);
  options.optimizer = "sgd:momentum=2";
  CHECK_THROWS_AS(train(model, tabular(), options, sink), InputError);
  options = sgd_options(10);
  options.batch_size = 5000;
  CHECK_THROWS_WITH(train(model, tabular(), options, sink), Catch::Contains("drop_last"));
  const Dataset glyphs = make_dataset("glyphs:train=20,test=10", 0);
  CHECK_THROWS_WITH(train(model, glyphs, sgd_options(10), sink), Catch::Contains("shape"));
}

TEST_CASE("MSE loss and Adam train too") {
  RecordingSink sink;
  const Dataset data = make_dataset("tabular:train=4000,test=1000,standardize=true", 2);
  Model<float> model = mlp("layer", data);
  TrainOptions options = sgd_options(300);
  options.loss = "mse";
  options.optimizer = "adam";
  options.lr = 0.003;
  options.schedule = "cosine:warmup=20";
  const TrainResult result = train(model, data, options, sink);
  CHECK(result.status == "ok");
  CHECK(result.test_accuracy >= 0.85);
}

TEST_CASE("without normalization layers, the activation layers' inputs are watched instead") {
  Model<float> plain = mlp("none", tabular());
  LayerStatsRecorder recorder(plain);
  CHECK(recorder.layer_count() == 2);  // Linear, ReLU, Linear, ReLU, Linear
  Model<float> with_bn = mlp("batch", tabular());
  CHECK(LayerStatsRecorder(with_bn).layer_count() == 2);  // the two BatchNorm1d layers, not the activations
}
