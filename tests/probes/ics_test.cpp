// ics against Santurkar et al.'s definition computed by hand on a two-layer linear network with
// MSE loss, where every gradient has a closed form:
//   H = x W1ᵀ, Y = H W2ᵀ, dY = 2 (Y − onehot) / (N K),  G2 = dYᵀ H,  G1 = (dY W2)ᵀ x
// After the SGD step W1′ = W1 − lr G1, layer 2's G2′ is the same formula at (W1′, W2).
#include <catch2/catch.hpp>

#include <cmath>

#include "probes/probe_test_util.hpp"

using namespace normlab;
using namespace normlab::test;

namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix of(const Tensor<double>& t) {  // (rows, cols)
  Matrix m(t.shape()[0], std::vector<double>(t.shape()[1]));
  for (std::size_t i = 0; i < m.size(); ++i)
    for (std::size_t j = 0; j < m[i].size(); ++j)
      m[i][j] = t(i, j);
  return m;
}

Matrix times_transposed(const Matrix& a, const Matrix& b) {  // a bᵀ
  Matrix c(a.size(), std::vector<double>(b.size(), 0));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j)
      for (std::size_t k = 0; k < a[i].size(); ++k)
        c[i][j] += a[i][k] * b[j][k];
  return c;
}

Matrix transposed_times(const Matrix& a, const Matrix& b) {  // aᵀ b
  Matrix c(a[0].size(), std::vector<double>(b[0].size(), 0));
  for (std::size_t n = 0; n < a.size(); ++n)
    for (std::size_t i = 0; i < a[0].size(); ++i)
      for (std::size_t j = 0; j < b[0].size(); ++j)
        c[i][j] += a[n][i] * b[n][j];
  return c;
}

// dY of the MSE loss against one-hot targets.
Matrix loss_gradient(const Matrix& y, const std::vector<std::int32_t>& labels) {
  const double scale = 2.0 / double(y.size() * y[0].size());
  Matrix d = y;
  for (std::size_t n = 0; n < y.size(); ++n)
    for (std::size_t k = 0; k < y[n].size(); ++k)
      d[n][k] = scale * (y[n][k] - (labels[n] == std::int32_t(k)));
  return d;
}

Matrix second_layer_gradient(const Matrix& x, const Matrix& w1, const Matrix& w2,
                             const std::vector<std::int32_t>& labels) {
  const Matrix h = times_transposed(x, w1);
  return transposed_times(loss_gradient(times_transposed(h, w2), labels), h);
}

double frobenius(const Matrix& a, const Matrix* b = nullptr) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      const double d = a[i][j] - (b ? (*b)[i][j] : 0);
      sum += d * d;
    }
  return std::sqrt(sum);
}

}  // namespace

TEST_CASE("ics equals the closed-form gradients of a two-layer linear network before and after the step") {
  const std::size_t n = 5, d0 = 3, d1 = 4, k = 2;
  Rng rng(7);
  Model<double> model;
  model.add(std::make_unique<Linear<double>>(d0, d1, false));
  model.add(std::make_unique<Linear<double>>(d1, k, false));
  parameter(model, "0.weight") = random_tensor<double>({d1, d0}, rng);
  parameter(model, "1.weight") = random_tensor<double>({k, d1}, rng);
  const Tensor<double> x = random_tensor<double>({n, d0}, rng);
  const std::vector<std::int32_t> labels = {0, 1, 1, 0, 1};
  const double lr = 0.3;

  const Matrix xm = of(x), w1 = of(parameter(model, "0.weight")), w2 = of(parameter(model, "1.weight"));
  const Matrix h = times_transposed(xm, w1);
  const Matrix dy = loss_gradient(times_transposed(h, w2), labels);
  const Matrix g2 = transposed_times(dy, h);
  // G1 = (dY W2)ᵀ x: dY W2 is (N, d1).
  Matrix dh(n, std::vector<double>(d1, 0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d1; ++j)
      for (std::size_t c = 0; c < k; ++c)
        dh[i][j] += dy[i][c] * w2[c][j];
  const Matrix g1_exact = transposed_times(dh, xm);
  Matrix w1_updated = w1;
  for (std::size_t i = 0; i < d1; ++i)
    for (std::size_t j = 0; j < d0; ++j)
      w1_updated[i][j] -= lr * g1_exact[i][j];
  const Matrix g2_shifted = second_layer_gradient(xm, w1_updated, w2, labels);
  double dot = 0;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < d1; ++j)
      dot += g2[i][j] * g2_shifted[i][j];

  ProbeRows rows;
  ProbedStep<double> step(model, probe_options({"ics"}, lr), LossKind::mse);
  step.run(1, x, labels, rows);

  CHECK(rows.at(1, "0", "ics", "grad_l2") == Approx(frobenius(g1_exact)).epsilon(1e-12));
  CHECK(rows.at(1, "1", "ics", "grad_l2") == Approx(frobenius(g2)).epsilon(1e-12));
  CHECK(rows.at(1, "0", "ics", "ics_l2") == 0);
  CHECK(rows.at(1, "0", "ics", "ics_cos") == 1);
  const double expected_l2 = frobenius(g2, &g2_shifted);
  REQUIRE(expected_l2 > 1e-3);  // the step moved layer 2's gradient: the test can fail
  CHECK(rows.at(1, "1", "ics", "ics_l2") == Approx(expected_l2).epsilon(1e-10));
  CHECK(rows.at(1, "1", "ics", "ics_cos") ==
        Approx(dot / (frobenius(g2) * frobenius(g2_shifted))).epsilon(1e-12));
  // The probe left the trained parameters where the step put them.
  const Matrix after = of(parameter(model, "0.weight"));
  CHECK(frobenius(after, &w1_updated) < 1e-14);
}
