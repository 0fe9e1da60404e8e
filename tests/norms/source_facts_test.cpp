// The facts the source material states about batch normalization:
//   - BatchNorm2d(64) holds 128 learnable values (γ, β) and 128 running-statistic values
//     (running_mean, running_var; num_batches_tracked is a counter, not a statistic);
//   - a batch of 4 normalized in training mode has, per feature, mean 0 and variance 1 before
//     the affine step, and mean β and standard deviation |γ| after it.
// "Variance 1" is exact up to eps: the normalized variance is σ²/(σ² + eps), checked to 1e-12
// in double (and to within eps/σ² of 1).
#include <catch2/catch.hpp>

#include <cmath>

#include "test_support.hpp"

namespace normlab::testing {

namespace {

struct Moments {
  double mean, variance;  // biased variance
};

// Moments of feature c over the batch and spatial dims of a (N, C, S) tensor.
template <class T>
Moments feature_moments(const Tensor<T>& t, std::size_t c) {
  const Shape shape = shape_of(t);
  const std::size_t N = shape[0], C = shape[1], S = shape_product(shape, 2);
  double sum = 0;
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t s = 0; s < S; ++s)
      sum += double(t.data()[(n * C + c) * S + s]);
  const double mean = sum / double(N * S);
  double squares = 0;
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t s = 0; s < S; ++s) {
      const double d = double(t.data()[(n * C + c) * S + s]) - mean;
      squares += d * d;
    }
  return {mean, squares / double(N * S)};
}

template <class T>
void check_batch_of_four(const Shape& shape, double tol) {
  INFO("input shape " << shape_string(shape) << ", " << (sizeof(T) == 4 ? "float" : "double"));
  REQUIRE(shape[0] == 4);
  const double eps = 1e-5;
  const Tensor<T> x = random_tensor<T>(shape, "facts/x", 5.0, 3.0);
  const std::size_t C = shape[1];

  auto plain = make_normalizer<T>("batch:affine=false", shape);
  Tensor<T> xhat;
  plain->forward(x, xhat, Mode::train);

  auto affine = make_normalizer<T>("batch", shape);
  set_nontrivial_state(*affine, "facts");  // γ of both signs, β ≠ 0
  Tensor<T> y;
  affine->forward(x, y, Mode::train);
  const Tensor<T>& gamma = affine->parameter("weight");
  const Tensor<T>& beta = affine->parameter("bias");

  for (std::size_t c = 0; c < C; ++c) {
    INFO("feature " << c);
    const double sigma2 = feature_moments(x, c).variance;
    const double normalized_var = sigma2 / (sigma2 + eps);  // 1 up to eps
    const Moments before = feature_moments(xhat, c);
    CHECK(std::abs(before.mean) <= tol);
    CHECK(std::abs(before.variance - normalized_var) <= tol);
    CHECK(std::abs(before.variance - 1.0) <= eps / sigma2 + tol);
    const Moments after = feature_moments(y, c);
    const double g = double(gamma.data()[c]), b = double(beta.data()[c]);
    CHECK(std::abs(after.mean - b) <= tol * (1 + std::abs(b)));
    CHECK(std::abs(std::sqrt(after.variance) - std::abs(g) * std::sqrt(normalized_var)) <= tol * std::abs(g));
    CHECK(std::abs(std::sqrt(after.variance) - std::abs(g)) <= std::abs(g) * eps / sigma2 + tol);
  }
  // Both signs of γ are exercised (the fact is |γ|, not γ).
  CHECK(gamma.data()[0] < 0);
  CHECK(gamma.data()[1] > 0);
}

}  // namespace

TEST_CASE("source fact: BatchNorm2d(64) has 128 learnable and 128 running-statistic values", "[facts]") {
  auto bn = make_normalizer<float>("batch", {4, 64, 8, 8});
  CHECK(bn->parameter_count() == 128);
  CHECK(bn->buffer_count() == 128);
  CHECK(bn->parameter("weight").size() == 64);
  CHECK(bn->parameter("bias").size() == 64);
  CHECK(bn->buffer("running_mean").size() == 64);
  CHECK(bn->buffer("running_var").size() == 64);
  CHECK(bn->buffer("num_batches_tracked").dimension() == 0);  // a counter, not counted
  auto bn64 = make_normalizer<double>("batch", {4, 64, 8, 8});
  CHECK(bn64->parameter_count() == 128);
  CHECK(bn64->buffer_count() == 128);
  // And what the switches remove.
  CHECK(make_normalizer<float>("batch:affine=false", {4, 64, 8, 8})->parameter_count() == 0);
  CHECK(make_normalizer<float>("batch:track_running_stats=false", {4, 64, 8, 8})->buffer_count() == 0);
}

TEST_CASE("source fact: a batch of 4 in training mode has mean 0, variance 1, then mean β, std |γ|",
          "[facts]") {
  for (const Shape& shape : {Shape{4, 64}, Shape{4, 8, 3, 3}}) {
    check_batch_of_four<double>(shape, 1e-12);
    check_batch_of_four<float>(shape, 1e-5);
  }
}

}  // namespace normlab::testing
