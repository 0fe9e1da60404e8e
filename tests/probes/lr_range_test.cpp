// The lr-range test where the answer is known: full-batch gradient descent on a linear model
// with MSE loss is a quadratic with Hessian (2/(N K)) X̃ᵀX̃ (per output), and it diverges once the
// rate passes 2/λ_max. The features are standard normal, so the curvatures are of one size (with
// very unequal ones the flat directions keep the total loss falling a while after the steepest has
// started to grow) and the loss has converged to its minimum long before the critical rate; a slowly
// rising rate keeps the lag of the detection (the growth from rounding-level errors) small. Then
// the command end to end: outputs, --help, usage errors, and never overwriting a file.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/harness/csv.hpp"
#include "experiments/train/lr_range.hpp"
#include "harness/process_util.hpp"
#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

double largest_eigenvalue(const std::vector<std::vector<double>>& a) {
  std::vector<double> v(a.size(), 1), w(a.size());
  double lambda = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    double norm = 0;
    lambda = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      w[i] = 0;
      for (std::size_t j = 0; j < a.size(); ++j)
        w[i] += a[i][j] * v[j];
      norm += w[i] * w[i];
      lambda += v[i] * w[i];
    }
    for (std::size_t i = 0; i < a.size(); ++i)
      v[i] = w[i] / std::sqrt(norm);
  }
  return lambda;
}

}  // namespace

TEST_CASE("lr-range finds divergence just past 2 over the largest Hessian eigenvalue of a quadratic") {
  const std::size_t n = 64, d = 3, k = 2;
  Dataset data;
  data.name = "quadratic";
  data.sample_shape = {d};
  data.num_classes = k;
  Rng rng(2);
  data.train.x = Tensor<float>::from_shape({n, d});
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j)
      data.train.x(i, j) = float(rng.normal());
    data.train.labels.push_back(std::int32_t(i % k));
  }
  data.test = data.train;
  std::vector<std::vector<double>> xtx(d + 1, std::vector<double>(d + 1, 0));
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t i = 0; i <= d; ++i)
      for (std::size_t j = 0; j <= d; ++j)
        xtx[i][j] += (i < d ? double(data.train.x(s, i)) : 1.0) * (j < d ? double(data.train.x(s, j)) : 1.0) *
                     2.0 / double(n * k);
  const double critical = 2 / largest_eigenvalue(xtx);

  ModelOptions model_options;
  model_options.model = "mlp:widths=none";
  Rng init(1);
  Model<float> model = build_model<float>(model_options, {d}, k, init);
  TrainOptions train;
  train.batch_size = n;  // full batch: plain gradient descent on the quadratic
  train.loss = "mse";
  LrRangeOptions options;
  options.min_lr = critical / 10;
  options.max_lr = critical * 10;
  options.steps = 5000;
  const LrRangeResult result = lr_range_test(model, data, train, options);
  INFO("2/lambda_max = " << critical << ", lr_max_decreasing = " << result.lr_max_decreasing
                         << ", lr_diverged = " << result.lr_diverged);
  REQUIRE(result.diverged_step > 0);
  CHECK(result.lr_diverged > critical);
  CHECK(result.lr_diverged < 1.5 * critical);
  CHECK(result.lr_max_decreasing <= critical);
  CHECK(result.points.size() == result.diverged_step);
  CHECK(result.points[1].lr / result.points[0].lr == Approx(std::pow(100.0, 1.0 / 4999)).epsilon(1e-12));
}

TEST_CASE("normlab lr-range writes fresh files and refuses to overwrite one") {
  TempDir dir("lr-range");
  write_text(dir / "s.toml", "model = [\"mlp:widths=8\", \"mlp:widths=4\"]\nsteps = 5\n");
  const Outcome help = run_normlab({"lr-range", "--help"}, dir.path());
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("--max-lr"));
  CHECK(run_normlab({"lr-range"}, dir.path()).status == 2);
  CHECK(run_normlab({"lr-range", "s.toml", "--steps", "1"}, dir.path()).status == 2);
  CHECK(run_normlab({"lr-range", "s.toml", "--min-lr", "1", "--max-lr", "0.5"}, dir.path()).status == 2);
  CHECK(run_normlab({"lr-range", "s.toml", "--bogus"}, dir.path()).status == 2);

  const Outcome first =
      run_normlab({"lr-range", "s.toml", "--steps", "30", "--out", "out/lr.csv"}, dir.path());
  REQUIRE(first.status == 0);
  const CsvTable steps = read_csv(dir / "out/lr.csv"), summary = read_csv(dir / "out/lr_summary.csv");
  CHECK(steps.header == std::vector<std::string>{"run_id", "label", "step", "lr", "loss", "smoothed_loss"});
  CHECK(steps.rows.size() > 2);
  CHECK(summary.rows.size() == 2);
  CHECK(summary.header.at(2) == "lr_max_decreasing");
  // A second run to the same path is refused (exit 2) and leaves the finished files as they were.
  const std::string before = slurp(dir / "out/lr.csv");
  const Outcome again = run_normlab({"lr-range", "s.toml", "--runs", "1", "--out", "out/lr.csv"}, dir.path());
  CHECK(again.status == 2);
  CHECK_THAT(again.err, Catch::Contains("never overwrites"));
  CHECK(slurp(dir / "out/lr.csv") == before);
  // Only the summary in the way is refused too.
  std::filesystem::rename(dir / "out/lr.csv", dir / "out/moved.csv");
  CHECK(run_normlab({"lr-range", "s.toml", "--out", "out/lr.csv"}, dir.path()).status == 2);
  CHECK(!std::filesystem::exists(dir / "out/lr.csv"));
  CHECK(run_normlab({"lr-range", "s.toml", "--runs", "1", "--out", "fresh.csv"}, dir.path()).status == 0);
  CHECK(read_csv(dir / "fresh_summary.csv").rows.size() == 1);
}

TEST_CASE("normlab lr-range trains the run's dtype: its first loss is the float64 run's first loss") {
  TempDir dir("lr-range-dtype");
  const std::string sweep = "model = \"mlp:widths=8\"\nsteps = 5\nseed = 3\n";
  write_text(dir / "f64.toml", sweep + "dtype = \"float64\"\n");
  write_text(dir / "f32.toml", sweep);
  for (const char* name : {"f64", "f32"}) {
    REQUIRE(run_normlab({"lr-range", std::string(name) + ".toml", "--steps", "5", "--out", std::string(name) + ".csv"},
                        dir.path()).status == 0);
    REQUIRE(run_normlab({"run", std::string(name) + ".toml", "--out", std::string(name) + "_run"}, dir.path()).status == 0);
  }
  const auto first_range_loss = [&](const char* name) { return read_csv(dir / (std::string(name) + ".csv")).rows.at(0).at(4); };
  const auto first_run_loss = [&](const char* name) {
    return read_csv(dir / (std::string(name) + "_run/curves.csv")).rows.at(0).at(5);  // step 1, train, loss
  };
  CHECK(first_range_loss("f64") == first_run_loss("f64"));
  CHECK(first_range_loss("f32") == first_run_loss("f32"));
  CHECK(first_range_loss("f64") != first_range_loss("f32"));  // double keeps digits float rounds away
}
