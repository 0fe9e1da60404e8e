// layer_norms against direct computation: parameter and gradient norms, a normalizer's γ
// statistics, per-feature statistics of a layer's input, dead ReLUs and saturated sigmoids on
// models whose pre-activations are computed by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

struct Expected {
  double mean_mean = 0, mean_std = 0, std_mean = 0, std_std = 0;
  double dead = 0, saturated = 0;
};

// z = x W0ᵀ + b0: (N, H); statistics of its columns, computed directly.
Expected expected_for(const Tensor<double>& x, const Tensor<double>& w, const Tensor<double>& b) {
  const std::size_t n = x.shape()[0], h = w.shape()[0], d = w.shape()[1];
  std::vector<double> means(h), stds(h);
  Expected e;
  for (std::size_t f = 0; f < h; ++f) {
    std::vector<double> z(n);
    bool dead = true;
    for (std::size_t i = 0; i < n; ++i) {
      z[i] = b(f);
      for (std::size_t j = 0; j < d; ++j)
        z[i] += x(i, j) * w(f, j);
      dead = dead && z[i] <= 0;
      const double y = 1 / (1 + std::exp(-z[i]));
      e.saturated += y * (1 - y) < 0.0025;
    }
    double m = 0, v = 0;
    for (double value : z)
      m += value / double(n);
    for (double value : z)
      v += (value - m) * (value - m) / double(n);
    means[f] = m, stds[f] = std::sqrt(v);
    e.dead += dead;
  }
  e.dead /= double(h);
  e.saturated /= double(n * h);
  auto mean_std = [](const std::vector<double>& v, double& mean, double& std) {
    mean = 0, std = 0;
    for (double a : v)
      mean += a / double(v.size());
    for (double a : v)
      std += (a - mean) * (a - mean) / double(v.size());
    std = std::sqrt(std);
  };
  mean_std(means, e.mean_mean, e.mean_std);
  mean_std(stds, e.std_mean, e.std_std);
  return e;
}

Model<double> two_layer(ActivationKind act, Rng& rng, double scale) {
  Model<double> model;
  model.add(std::make_unique<Linear<double>>(4, 6, true));
  model.add(std::make_unique<Activation<double>>(act));
  model.add(std::make_unique<Linear<double>>(6, 3, true));
  parameter(model, "0.weight") = random_tensor<double>({6, 4}, rng, scale);
  parameter(model, "0.bias") = random_tensor<double>({6}, rng, 0.1);
  parameter(model, "2.weight") = random_tensor<double>({3, 6}, rng);
  return model;
}

}  // namespace

TEST_CASE("layer_norms counts dead ReLUs and reports per-feature statistics of an activation's input") {
  Rng rng(21);
  Model<double> model = two_layer(ActivationKind::relu, rng, 1);
  // Units 1 and 4 can never fire on these inputs: dead.
  parameter(model, "0.bias")(1) = -100;
  parameter(model, "0.bias")(4) = -100;
  const Tensor<double> x = random_tensor<double>({16, 4}, rng);
  const std::vector<std::int32_t> labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
  const Expected e = expected_for(x, parameter(model, "0.weight"), parameter(model, "0.bias"));
  REQUIRE(e.dead == Approx(2.0 / 6.0));
  const Tensor<double> w0 = parameter(model, "0.weight");

  ProbeRows rows;
  ProbedStep<double> step(model, probe_options({"layer_norms"}), LossKind::cross_entropy);
  step.run(1, x, labels, rows);
  CHECK(rows.at(1, "1", "layer_norms", "dead_fraction") == Approx(e.dead).epsilon(1e-15));
  CHECK(rows.at(1, "1", "layer_norms", "feature_mean_mean") == Approx(e.mean_mean).epsilon(1e-12));
  CHECK(rows.at(1, "1", "layer_norms", "feature_mean_std") == Approx(e.mean_std).epsilon(1e-12));
  CHECK(rows.at(1, "1", "layer_norms", "feature_std_mean") == Approx(e.std_mean).epsilon(1e-12));
  CHECK(rows.at(1, "1", "layer_norms", "feature_std_std") == Approx(e.std_std).epsilon(1e-12));
  CHECK_FALSE(rows.has(1, "1", "layer_norms", "saturated_fraction"));
  // Norms of the step's weight (before the update) and of its gradient (SGD leaves grads as they are).
  double w_norm = 0, g_norm = 0;
  for (double v : w0)
    w_norm += v * v;
  for (double v : gradient(model, "0.weight"))
    g_norm += v * v;
  CHECK(rows.at(1, "0.weight", "layer_norms", "weight_norm") == Approx(std::sqrt(w_norm)).epsilon(1e-14));
  CHECK(rows.at(1, "0.weight", "layer_norms", "grad_norm") == Approx(std::sqrt(g_norm)).epsilon(1e-14));
  CHECK_FALSE(rows.has(1, "0.weight", "layer_norms", "mean"));  // not a normalizer's parameter
}

TEST_CASE("layer_norms reports the fraction of saturated sigmoid units") {
  Rng rng(22);
  Model<double> model = two_layer(ActivationKind::sigmoid, rng, 4);  // large weights: many saturate
  const Tensor<double> x = random_tensor<double>({16, 4}, rng);
  const std::vector<std::int32_t> labels(16, 1);
  const Expected e = expected_for(x, parameter(model, "0.weight"), parameter(model, "0.bias"));
  REQUIRE(e.saturated > 0.1);
  REQUIRE(e.saturated < 0.9);
  ProbeRows rows;
  ProbedStep<double> step(model, probe_options({"layer_norms"}), LossKind::cross_entropy);
  step.run(1, x, labels, rows);
  CHECK(rows.at(1, "1", "layer_norms", "saturated_fraction") == Approx(e.saturated).epsilon(1e-15));
  CHECK_FALSE(rows.has(1, "1", "layer_norms", "dead_fraction"));
}

TEST_CASE("layer_norms reports the mean and std of a normalizer's gamma and beta") {
  ModelOptions options;
  options.model = "mlp:widths=5,act=relu";
  options.norm = "batch";
  Rng rng(1);
  Model<double> model = build_model<double>(options, {4}, 3, rng);
  std::string norm_layer;
  for (std::size_t i = 0; i < model.layers().size(); ++i)
    if (model.layers()[i]->activation_normalizer()) norm_layer = std::to_string(i);
  REQUIRE(!norm_layer.empty());
  Tensor<double>& gamma = parameter(model, norm_layer + ".weight");
  for (std::size_t i = 0; i < gamma.size(); ++i)
    gamma(i) = double(i + 1);  // 1..5: mean 3, std √2
  const Tensor<double> x = random_tensor<double>({8, 4}, rng);
  ProbeRows rows;
  ProbedStep<double> step(model, probe_options({"layer_norms"}), LossKind::cross_entropy);
  step.run(1, x, {0, 1, 2, 0, 1, 2, 0, 1}, rows);
  CHECK(rows.at(1, norm_layer + ".weight", "layer_norms", "mean") == Approx(3).epsilon(1e-15));
  CHECK(rows.at(1, norm_layer + ".weight", "layer_norms", "std") == Approx(std::sqrt(2.0)).epsilon(1e-15));
  CHECK(rows.at(1, norm_layer + ".bias", "layer_norms", "mean") == 0);
  CHECK(rows.has(1, norm_layer, "layer_norms", "feature_std_mean"));  // the normalizer's input
}
