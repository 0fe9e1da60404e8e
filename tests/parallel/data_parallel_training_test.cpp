// Training data-parallel over the two ranks (experiments/train/data_parallel.hpp) against training
// in one process, in float64 on a small CNN:
//   (1) batch:sync=true over K ranks at global batch N equals one process at batch N, to about
//       1e-12 relative after a short training (only the summation order of the gradients differs);
//   (2) per-device batch norm over K ranks equals one process with virtual_batch_size = N/K, in
//       the parameters, the running buffers and the evaluation;
//   a final partial batch split unequally (drop_last = false) trains as the one-process run does,
//   and the same K-rank run gives the same bits every time.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/data/make_dataset.hpp"
#include "experiments/train/trainer.hpp"
#include "world_group.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

const Dataset& glyphs() {
  static const Dataset data = make_dataset("glyphs:train=100,test=64", 3);
  return data;
}

Model<double> cnn(const std::string& norm) {
  ModelOptions options;
  options.model = "vgg:widths=4x8";
  options.norm = norm;
  Rng rng = Rng::stream(7, "init");
  return build_model<double>(options, glyphs().sample_shape, glyphs().num_classes, rng);
}

TrainOptions options(std::size_t steps = 12) {
  TrainOptions o;
  o.optimizer = "sgd:momentum=0.9";
  o.lr = 0.05;
  o.batch_size = 16;
  o.steps = steps;
  o.eval_every = 6;
  o.seed = 7;
  return o;
}

class Records : public MetricSink {
 public:
  void metric(std::size_t step, double, const std::string& split, const std::string& metric,
              double value) override {
    values.push_back(value);
    names.push_back(std::to_string(step) + " " + split + " " + metric);
  }
  void layer_stat(std::size_t, const std::string&, const std::string&, double) override {}
  std::vector<double> values;
  std::vector<std::string> names;
};

// The largest relative difference over every parameter and buffer tensor (‖a - b‖ / ‖b‖).
double relative_difference(Model<double>& a, Model<double>& b) {
  auto tensors = [](Model<double>& m) {
    std::vector<Tensor<double>*> all;
    for (const auto& p : m.parameters())
      all.push_back(p.value);
    for (const auto& p : m.buffers())
      all.push_back(p.value);
    return all;
  };
  const auto ta = tensors(a), tb = tensors(b);
  REQUIRE(ta.size() == tb.size());
  double worst = 0;
  for (std::size_t t = 0; t < ta.size(); ++t) {
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < ta[t]->size(); ++i) {
      diff += std::pow(ta[t]->data()[i] - tb[t]->data()[i], 2);
      norm += std::pow(tb[t]->data()[i], 2);
    }
    worst = std::max(worst, std::sqrt(diff) / std::max(std::sqrt(norm), 1e-300));
  }
  return worst;
}

double largest_relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-300));
  return worst;
}

}  // namespace

TEST_CASE("(1) sync batch norm over 2 ranks equals one process at the global batch") {
  Model<double> alone = cnn("batch"), parallel = cnn("batch:sync=true");
  Records alone_records, parallel_records;
  const TrainResult single = train(alone, glyphs(), options(), alone_records);
  const TrainResult together = train(parallel, glyphs(), options(), parallel_records, {}, {}, &world_group());
  CHECK(relative_difference(parallel, alone) < 1e-12);
  REQUIRE(parallel_records.names == alone_records.names);
  CHECK(largest_relative_difference(parallel_records.values, alone_records.values) < 1e-11);
  CHECK(together.test_loss == Approx(single.test_loss).epsilon(1e-11));
  // The first step's loss, before any update, differs by rounding only.
  CHECK(std::abs(parallel_records.values[0] - alone_records.values[0]) <= 1e-14 * alone_records.values[0]);
}

TEST_CASE("(2) per-device batch norm over 2 ranks equals ghost batch norm with N/K per virtual batch") {
  Model<double> ghost = cnn("batch:virtual_batch_size=8"), parallel = cnn("batch");
  Records ghost_records, parallel_records;
  const TrainResult single = train(ghost, glyphs(), options(), ghost_records);
  const TrainResult together = train(parallel, glyphs(), options(), parallel_records, {}, {}, &world_group());
  CHECK(relative_difference(parallel, ghost) < 1e-12);  // running buffers included
  CHECK(together.test_accuracy == single.test_accuracy);
  CHECK(together.test_loss == Approx(single.test_loss).epsilon(1e-11));
  // ... and differs from synchronized statistics by much more than rounding.
  Model<double> synced = cnn("batch:sync=true");
  Records synced_records;
  train(synced, glyphs(), options(), synced_records, {}, {}, &world_group());
  CHECK(relative_difference(synced, parallel) > 1e-6);
}

TEST_CASE("a final partial batch shared unequally trains as one process does (drop_last = false)") {
  TrainOptions o = options(7);  // 100 samples in batches of 16: the 7th batch has 4, 2 per rank
  o.drop_last = false;
  o.batch_size = 16;
  Model<double> alone = cnn("batch"), parallel = cnn("batch:sync=true");
  Records a, b;
  train(alone, glyphs(), o, a);
  train(parallel, glyphs(), o, b, {}, {}, &world_group());
  CHECK(relative_difference(parallel, alone) < 1e-12);
  // A global batch of 13: shares of 6 and 7 at every step, and a final batch of 9 (100 = 7·13 + 9)
  // shared 4 and 5.
  o.batch_size = 13;
  o.steps = 8;
  Model<double> alone13 = cnn("batch"), parallel13 = cnn("batch:sync=true");
  train(alone13, glyphs(), o, a);
  train(parallel13, glyphs(), o, b, {}, {}, &world_group());
  CHECK(relative_difference(parallel13, alone13) < 1e-12);
}

TEST_CASE("the same data-parallel run gives the same bits every time") {
  Model<double> first = cnn("batch:sync=true"), second = cnn("batch:sync=true");
  Records a, b;
  train(first, glyphs(), options(), a, {}, {}, &world_group());
  train(second, glyphs(), options(), b, {}, {}, &world_group());
  CHECK(relative_difference(first, second) == 0);
  CHECK(a.values == b.values);
}
