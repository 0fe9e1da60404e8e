// Probe steps after the first allocate nothing: the snapshots, the probes' flat vectors and their
// stat names are allocated once (global operator new counted around a later probe step, with a
// sink that keeps nothing).
#include <catch2/catch.hpp>

#include "allocation_counter.hpp"
#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

class CountingSink : public MetricSink {
 public:
  void metric(std::size_t, double, const std::string&, const std::string&, double) override {}
  void layer_stat(std::size_t, const std::string&, const std::string&, double) override {}
  void probe(std::size_t, const std::string&, const std::string&, const std::string&, double) override {
    ++rows;
  }
  std::size_t rows = 0;
};

}  // namespace

TEST_CASE("a probe step after the first allocates nothing") {
  ModelOptions options;
  options.model = "mlp:widths=8x8,act=tanh";
  options.norm = "batch";
  Rng rng(3);
  Model<double> model = build_model<double>(options, {5}, 3, rng);
  ProbedStep<double> step(
      model, probe_options({"ics", "landscape", "predictiveness", "layer_norms", "sharpness:iterations=3"}),
      LossKind::cross_entropy);
  const Tensor<double> x = random_tensor<double>({12, 5}, rng);
  const std::vector<std::int32_t> labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
  CountingSink sink;
  step.run(1, x, labels, sink);
  step.run(2, x, labels, sink);
  const std::size_t rows_before = sink.rows;
  const long before = normlab::testing::allocation_count();
  step.run(3, x, labels, sink);
  const long allocations = normlab::testing::allocation_count() - before;
  CHECK(sink.rows > rows_before);  // the probes ran
  CHECK(allocations == 0);
}
