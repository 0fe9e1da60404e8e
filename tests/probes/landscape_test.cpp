// landscape and predictiveness against losses and gradients computed directly on a twin of the
// model (built from the same seed): L(w − η g) and ∇L(w − η g) for every η of the grid, with
// batch norm in training mode, as the step computes them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

Model<double> twin(std::uint64_t seed) {
  ModelOptions options;
  options.model = "mlp:widths=6x5,act=tanh";
  options.norm = "batch";
  Rng rng(seed);
  return build_model<double>(options, {4}, 3, rng);
}

}  // namespace

TEST_CASE("landscape and predictiveness equal the loss and gradient computed directly along the gradient") {
  Model<double> model = twin(3), reference = twin(3);
  Rng rng(9);
  const Tensor<double> x = random_tensor<double>({8, 4}, rng);
  const std::vector<std::int32_t> labels = {0, 1, 2, 0, 1, 2, 2, 1};
  const double lr = 0.2;
  TrainOptions options = probe_options({"landscape", "predictiveness"}, lr);
  options.probes.lrs = {0.1, 1, 4};

  // Directly: w and g of the step, then each point of the grid.
  std::vector<ParameterRef<double>> params = reference.parameters();
  Tensor<double> dlogits;
  const double loss =
      compute_loss(LossKind::cross_entropy, reference.forward(x, Mode::train), labels, &dlogits);
  reference.zero_grad();
  reference.backward(dlogits);
  std::vector<Tensor<double>> w, g;
  double g_norm = 0;
  for (auto& p : params) {
    w.push_back(*p.value);
    g.push_back(*p.grad);
    for (double v : *p.grad)
      g_norm += v * v;
  }
  g_norm = std::sqrt(g_norm);
  std::vector<double> losses, diffs;
  double beta = 0;
  for (double m : options.probes.lrs) {
    for (std::size_t i = 0; i < params.size(); ++i)
      *params[i].value = w[i] - m * lr * g[i];
    losses.push_back(
        compute_loss(LossKind::cross_entropy, reference.forward(x, Mode::train), labels, &dlogits));
    reference.zero_grad();
    reference.backward(dlogits);
    double diff = 0;
    for (std::size_t i = 0; i < params.size(); ++i)
      for (std::size_t j = 0; j < g[i].size(); ++j)
        diff += std::pow(g[i].data()[j] - params[i].grad->data()[j], 2);
    diffs.push_back(std::sqrt(diff));
    beta = std::max(beta, diffs.back() / (m * lr * g_norm));
  }

  ProbeRows rows;
  ProbedStep<double> step(model, options, LossKind::cross_entropy);
  CHECK(step.run(1, x, labels, rows) == loss);
  for (std::size_t k = 0; k < losses.size(); ++k) {
    const std::string m = k == 0 ? "0.1" : k == 1 ? "1" : "4";
    CHECK(rows.at(1, "model", "landscape", "loss@" + m) == Approx(losses[k]).epsilon(1e-12));
    CHECK(rows.at(1, "model", "predictiveness", "grad_diff@" + m) == Approx(diffs[k]).epsilon(1e-10));
  }
  const double low = std::min(loss, *std::min_element(losses.begin(), losses.end()));
  const double high = std::max(loss, *std::max_element(losses.begin(), losses.end()));
  REQUIRE(high - low > 1e-3);  // the grid reaches far enough for the spread to be a real number
  CHECK(rows.at(1, "model", "landscape", "loss") == loss);
  CHECK(rows.at(1, "model", "landscape", "spread") == Approx(high - low).epsilon(1e-10));
  CHECK(rows.at(1, "model", "predictiveness", "beta_smoothness") == Approx(beta).epsilon(1e-10));
  CHECK(rows.at(1, "model", "predictiveness", "grad_l2") == Approx(g_norm).epsilon(1e-12));
}
