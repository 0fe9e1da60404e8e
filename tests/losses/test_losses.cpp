// Losses against hand-computed values and central finite differences in double.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/losses/loss.hpp"
#include "experiments/util/rng.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

Tensor<double> random_logits(std::size_t n, std::size_t k, std::uint64_t seed, double scale) {
  Rng rng(seed);
  Tensor<double> z = Tensor<double>::from_shape({n, k});
  for (auto& v : z) v = rng.normal(0, scale);
  return z;
}

// Central differences of the mean loss, h = 1e-6: truncation error O(h^2 * f''') ~ 1e-12 and
// rounding error ~ 1e-16 / 1e-6 = 1e-10; the tolerance below is 1e-8 absolute.
void check_gradient(LossKind kind, Tensor<double> logits, const std::vector<std::int32_t>& labels) {
  Tensor<double> analytic = Tensor<double>::from_shape(shape_of(logits));
  analytic.fill(12345.0);  // garbage: the gradient must be assigned, not accumulated
  compute_loss(kind, logits, labels, &analytic);
  const double h = 1e-6;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const double saved = logits.data()[i];
    logits.data()[i] = saved + h;
    const double plus = compute_loss<double>(kind, logits, labels, nullptr);
    logits.data()[i] = saved - h;
    const double minus = compute_loss<double>(kind, logits, labels, nullptr);
    logits.data()[i] = saved;
    CHECK(analytic.data()[i] == Approx((plus - minus) / (2 * h)).margin(1e-8));
  }
}

}  // namespace

TEST_CASE("cross-entropy matches hand-computed values") {
  // Both rows have loss log(1 + e^-1 + e^-2): the label holds the largest logit, 1 above and 2
  // above the others.
  Tensor<double> logits = {{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}};
  const std::vector<std::int32_t> labels = {2, 0};
  Tensor<double> grad;
  const double loss = cross_entropy_loss(logits, labels, &grad);
  const double expected = std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  CHECK(loss == Approx(expected).epsilon(1e-14));
  CHECK(loss == Approx(0.40760596444438046).epsilon(1e-14));
  // d/dz = (softmax - onehot) / N
  const double s = 1 + std::exp(-1.0) + std::exp(-2.0);
  CHECK(grad(0, 0) == Approx(std::exp(-2.0) / s / 2).epsilon(1e-14));
  CHECK(grad(0, 2) == Approx((1 / s - 1) / 2).epsilon(1e-14));
  CHECK(grad(1, 0) == Approx((1 / s - 1) / 2).epsilon(1e-14));
  CHECK(grad(1, 1) == Approx(std::exp(-1.0) / s / 2).epsilon(1e-14));
}

TEST_CASE("cross-entropy is stable for huge logits") {
  Tensor<float> logits = {{1000.0f, 0.0f}, {-1000.0f, 1000.0f}};
  Tensor<float> grad;
  const double loss = cross_entropy_loss(logits, {1, 1}, &grad);
  CHECK(std::isfinite(loss));
  CHECK(loss == Approx(500.0).epsilon(1e-12));  // row 0 costs 1000, row 1 costs e^-2000 ~ 0
  for (float g : grad) CHECK(std::isfinite(g));
  CHECK(grad(0, 0) == Approx(0.5f));
  CHECK(grad(0, 1) == Approx(-0.5f));
}

TEST_CASE("cross-entropy of non-finite logits is not finite") {
  Tensor<float> logits = {{std::nanf(""), 0.0f}};
  CHECK_FALSE(std::isfinite(cross_entropy_loss<float>(logits, {0}, nullptr)));
  Tensor<float> infinite = {{INFINITY, 0.0f}};
  CHECK_FALSE(std::isfinite(cross_entropy_loss<float>(infinite, {1}, nullptr)));
}

TEST_CASE("MSE on one-hot targets matches hand-computed values") {
  Tensor<double> logits = {{1.0, 2.0, 3.0}, {1.0, 0.0, -1.0}};
  Tensor<double> grad;
  // Squared residuals: 1 + 4 + 4 and 0 + 0 + 1, averaged over 6 elements (torch MSELoss 'mean').
  CHECK(mse_loss(logits, {2, 0}, &grad) == Approx(10.0 / 6.0).epsilon(1e-15));
  CHECK(grad(0, 2) == Approx(2.0 * 2.0 / 6.0).epsilon(1e-15));
  CHECK(grad(1, 0) == Approx(0.0).margin(1e-15));
  CHECK(grad(1, 2) == Approx(2.0 * -1.0 / 6.0).epsilon(1e-15));
}

TEST_CASE("loss gradients match central finite differences in double") {
  const std::vector<std::int32_t> labels = {0, 3, 1, 4, 4};
  for (double scale : {0.5, 3.0}) {
    check_gradient(LossKind::cross_entropy, random_logits(5, 5, 7, scale), labels);
    check_gradient(LossKind::mse, random_logits(5, 5, 8, scale), labels);
  }
}

TEST_CASE("accuracy counts argmax hits, ties going to the first index") {
  Tensor<float> logits = {{0.1f, 0.9f, 0.0f}, {0.5f, 0.5f, 0.1f}, {0.0f, 0.0f, 2.0f}, {3.0f, 0.0f, 0.0f}};
  CHECK(count_correct(logits, {1, 0, 2, 1}) == 3);
  CHECK(count_correct(logits, {1, 1, 2, 0}) == 3);
}

TEST_CASE("losses reject bad names, shapes and labels") {
  CHECK(parse_loss("mse") == LossKind::mse);
  CHECK_THROWS_AS(parse_loss("hinge"), InputError);
  CHECK_THROWS_WITH(parse_loss("hinge"), Catch::Contains("cross_entropy, mse"));
  Tensor<float> logits = {{0.0f, 1.0f}};
  CHECK_THROWS_AS(cross_entropy_loss<float>(logits, {2}, nullptr), InputError);
  CHECK_THROWS_AS(mse_loss<float>(logits, {0, 1}, nullptr), InputError);
}
