// sharpness on a quadratic whose Hessian is known: one Linear layer (with bias) and MSE loss,
//   L(W, b) = 1/(N K) Σ_n Σ_k (w_k·x_n + b_k − onehot_nk)²,
// whose Hessian is K copies of (2/(N K)) X̃ᵀX̃ with X̃ = [X, 1]; its largest eigenvalue is taken
// from the explicit 4×4 matrix by a long plain power iteration (no gradients involved).
#include <catch2/catch.hpp>

#include <cmath>

#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

double largest_eigenvalue(const std::vector<std::vector<double>>& a) {
  std::vector<double> v(a.size(), 1), w(a.size());
  double lambda = 0;
  for (int iteration = 0; iteration < 100000; ++iteration) {
    double norm = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      w[i] = 0;
      for (std::size_t j = 0; j < a.size(); ++j)
        w[i] += a[i][j] * v[j];
      norm += w[i] * w[i];
    }
    norm = std::sqrt(norm);
    lambda = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      lambda += v[i] * w[i];
    for (std::size_t i = 0; i < a.size(); ++i)
      v[i] = w[i] / norm;
  }
  return lambda;
}

template <class T>
void check_quadratic(double relative_tolerance) {
  const std::size_t n = 12, d = 3, k = 2;
  Rng rng(11);
  Model<T> model;
  model.add(std::make_unique<Linear<T>>(d, k, true));
  parameter(model, "0.weight") = random_tensor<T>({k, d}, rng);
  const Tensor<T> x = random_tensor<T>({n, d}, rng);
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < n; ++i)
    labels[i] = std::int32_t(i % k);

  std::vector<std::vector<double>> xtx(d + 1, std::vector<double>(d + 1, 0));
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t i = 0; i <= d; ++i)
      for (std::size_t j = 0; j <= d; ++j)
        xtx[i][j] += (i < d ? double(x(s, i)) : 1.0) * (j < d ? double(x(s, j)) : 1.0);
  for (auto& row : xtx)
    for (double& value : row)
      value *= 2.0 / double(n * k);
  const double expected = largest_eigenvalue(xtx);

  ProbeRows rows;
  ProbedStep<T> step(model, probe_options({"sharpness:iterations=3000,tolerance=1e-13"}), LossKind::mse);
  step.run(1, x, labels, rows);
  CHECK(rows.at(1, "model", "sharpness", "lambda_max") == Approx(expected).epsilon(relative_tolerance));
  CHECK(rows.at(1, "model", "sharpness", "residual") < 100 * relative_tolerance);
}

}  // namespace

TEST_CASE("sharpness finds the largest Hessian eigenvalue of a linear model's MSE loss in double") {
  check_quadratic<double>(1e-8);
}

TEST_CASE("sharpness finds the largest Hessian eigenvalue of a linear model's MSE loss in float") {
  check_quadratic<float>(2e-3);
}
