// init_gradients on a deep linear network built so that the answer is known: L square layers
// W_l = a_l I without bias, so y = P x with P = Π a_l and ∂L/∂W_l = (P / a_l) δᵀx (δ = ∂L/∂y).
// With a_l = c·exp(s·l), log ‖∂L/∂W_l‖ = const − s·l: the fitted slope is exactly −s.
#include <catch2/catch.hpp>

#include <cmath>

#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

TEST_CASE(
    "init_gradients reports each layer's gradient norm at step 0 and the slope of its log against depth") {
  const std::size_t layers = 5, d = 3, n = 4;
  const double s = 0.3, c = 0.5;
  Model<double> model;
  double product = 1;
  for (std::size_t l = 1; l <= layers; ++l) {
    model.add(std::make_unique<Linear<double>>(d, d, false));
    const double a = c * std::exp(s * double(l));
    product *= a;
    Tensor<double>& w = parameter(model, std::to_string(l - 1) + ".weight");
    w.fill(0);
    for (std::size_t i = 0; i < d; ++i)
      w(i, i) = a;
  }
  Rng rng(5);
  const Tensor<double> x = random_tensor<double>({n, d}, rng);
  const std::vector<std::int32_t> labels = {0, 2, 1, 1};
  // δ = 2 (P x − onehot) / (N d); ‖δᵀx‖ by hand.
  std::vector<std::vector<double>> dtx(d, std::vector<double>(d, 0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < d; ++p) {
      const double delta = 2 * (product * x(i, p) - (labels[i] == std::int32_t(p))) / double(n * d);
      for (std::size_t q = 0; q < d; ++q)
        dtx[p][q] += delta * x(i, q);
    }
  double dtx_norm = 0;
  for (const auto& row : dtx)
    for (double v : row)
      dtx_norm += v * v;
  dtx_norm = std::sqrt(dtx_norm);

  ProbeRows rows;
  ProbedStep<double> step(model, probe_options({"init_gradients"}), LossKind::mse);
  step.run(1, x, labels, rows);
  for (std::size_t l = 1; l <= layers; ++l) {
    const std::string layer = std::to_string(l - 1);
    const double expected = product / (c * std::exp(s * double(l))) * dtx_norm;
    CHECK(rows.at(0, layer, "init_gradients", "depth") == double(l));
    CHECK(rows.at(0, layer, "init_gradients", "grad_norm") == Approx(expected).epsilon(1e-12));
    CHECK(rows.at(0, layer, "init_gradients", "log_grad_norm") == Approx(std::log(expected)).epsilon(1e-12));
  }
  CHECK(rows.at(0, "model", "init_gradients", "slope") == Approx(-s).epsilon(1e-10));

  // Only the first step: a second step records nothing more.
  const std::size_t before = rows.count;
  step.run(2, x, labels, rows);
  CHECK(rows.count == before);
}
