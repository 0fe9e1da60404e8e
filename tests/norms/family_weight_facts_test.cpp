// The facts of the weight reparameterizations of issue 10:
//   weight_std: the plain formula; a constant row standardizes to 0 with the formula's gradient
//     (dŵ - mean dŵ)/sqrt(eps), no NaN;
//   spectral: σ converges to the largest singular value (from a Jacobi eigensolver on WᵀW, an
//     independent method) under repeated training forwards; evaluation neither iterates nor updates
//     u and v; one training step is the documented power step; the default's backward is the
//     gradient of W/(uᵀWv) with u and v held (the registry loops run converged examples only).
#include <catch2/catch.hpp>

#include <algorithm>

#include "family_support.hpp"
#include "finite_differences.hpp"

namespace normlab::testing {

namespace {

using Catch::Contains;

// The largest eigenvalue of the symmetric matrix a: (n, n) row-major, by cyclic Jacobi rotations.
double largest_eigenvalue(std::vector<double> a, std::size_t n) {
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (std::size_t p = 0; p < n; ++p) {
      diag += a[p * n + p] * a[p * n + p];
      for (std::size_t q = p + 1; q < n; ++q)
        off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-32 * diag) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0) continue;
        // The rotation that zeroes a[p][q] (Numerical Recipes' jacobi): a = Jᵀ a J.
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq, a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk, a[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  double largest = a[0];
  for (std::size_t p = 1; p < n; ++p)
    largest = std::max(largest, a[p * n + p]);
  return largest;
}

// The largest singular value of W: (rows, cols) as sqrt(λ_max) of the smaller Gram matrix.
template <class T>
double largest_singular_value(const Tensor<T>& w) {
  const std::size_t rows = w.shape()[0], cols = w.size() / rows;
  const bool by_rows = rows <= cols;
  const std::size_t n = by_rows ? rows : cols, inner = by_rows ? cols : rows;
  const auto at = [&](std::size_t i, std::size_t k) {  // (n, inner) view of W or Wᵀ
    return double(by_rows ? w.data()[i * cols + k] : w.data()[k * cols + i]);
  };
  std::vector<double> gram(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0; k < inner; ++k)
        gram[i * n + j] += at(i, k) * at(j, k);
  return std::sqrt(largest_eigenvalue(gram, n));
}

// ‖a‖ in double.
template <class T>
double norm_of(const Tensor<T>& a) {
  double squares = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    squares += double(a.data()[i]) * double(a.data()[i]);
  return std::sqrt(squares);
}

const std::vector<Shape> kWeightShapes = {{5, 4}, {3, 4, 5}, {2, 4, 3, 3}, {8, 3, 2, 2}};

}  // namespace

TEST_CASE("the Jacobi eigensolver of these tests finds the largest eigenvalue", "[family][spectral]") {
  // diag(1, 4, 2) rotated by a dense orthogonal matrix Q (Householder of (1, 2, 3)): A = Q D Qᵀ.
  const double h[3] = {1, 2, 3}, hh = 14;
  double q[9], a[9] = {};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      q[i * 3 + j] = (i == j ? 1.0 : 0.0) - 2 * h[i] * h[j] / hh;
  const double d[3] = {1, 4, 2};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        a[i * 3 + j] += q[i * 3 + k] * d[k] * q[j * 3 + k];
  CHECK(std::abs(largest_eigenvalue(std::vector<double>(a, a + 9), 3) - 4) <= 1e-13);
}

TEMPLATE_TEST_CASE("spectral norm: σ converges to the largest singular value under repeated iterations",
                   "[family][spectral]", float, double) {
  using T = TestType;
  for (const Shape& shape : kWeightShapes) {
    INFO(shape_string(shape));
    const Tensor<T> w = random_tensor<T>(shape, "spectral/w", 0.0, 1.0);
    const double sigma_max = largest_singular_value(w);
    auto norm = make_normalizer<T>("spectral", shape);  // one power step per training forward
    Tensor<T> y;
    for (int step = 0; step < 2000; ++step)
      norm->forward(w, y, Mode::train);
    const double sigma = norm_of(w) / norm_of(y);  // y = W/σ
    CHECK(std::abs(sigma - sigma_max) <= (sizeof(T) == 4 ? 1e-5 : 1e-10) * sigma_max);
    // At the fixed point, evaluation (no iteration) gives the same output.
    Tensor<T> y_eval;
    norm->forward(w, y_eval, Mode::eval);
    CHECK(describe_mismatch(y_eval, y, rounding<T>()) == "");
  }
}

TEMPLATE_TEST_CASE(
    "spectral norm: u, v start as deterministic unit vectors; evaluation leaves them; one training "
    "step is v = normalize(Wᵀu), u = normalize(Wv)",
    "[family][spectral]", float, double) {
  using T = TestType;
  const Shape shape{4, 3, 2};
  const Tensor<T> w = random_tensor<T>(shape, "spectral/step/w", 0.3, 1.0);
  auto norm = make_normalizer<T>("spectral", shape);
  const Tensor<T> u0 = norm->buffer("u"), v0 = norm->buffer("v");
  CHECK(shape_of(u0) == Shape{4});
  CHECK(shape_of(v0) == Shape{6});
  CHECK(std::abs(norm_of(u0) - 1) <= 1e-6);
  CHECK(std::abs(norm_of(v0) - 1) <= 1e-6);
  CHECK(describe_mismatch(make_normalizer<T>("spectral", shape)->buffer("u"), u0, kExact) == "");

  // Evaluation: σ = u0ᵀ W v0, buffers untouched.
  const auto divided = [&](const std::vector<double>& u, const std::vector<double>& v) {
    double sigma = 0;
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 6; ++j)
        sigma += u[i] * double(w.data()[i * 6 + j]) * v[j];
    Tensor<double> out = cast<double>(w);
    for (std::size_t k = 0; k < out.size(); ++k)
      out.data()[k] /= sigma;
    return out;
  };
  std::vector<double> u(u0.data(), u0.data() + 4), v(v0.data(), v0.data() + 6);
  Tensor<T> y;
  norm->forward(w, y, Mode::eval);
  CHECK(describe_mismatch(y, divided(u, v), rounding<T>()) == "");
  CHECK(describe_mismatch(norm->buffer("u"), u0, kExact) == "");
  CHECK(describe_mismatch(norm->buffer("v"), v0, kExact) == "");

  // One training step.
  std::vector<double> wtu(6, 0.0), wv(4, 0.0);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 6; ++j)
      wtu[j] += double(w.data()[i * 6 + j]) * u[i];
  for (std::size_t j = 0; j < 6; ++j)
    v[j] = wtu[j] / norm_of(vector_tensor<double>(wtu));
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 6; ++j)
      wv[i] += double(w.data()[i * 6 + j]) * v[j];
  for (std::size_t i = 0; i < 4; ++i)
    u[i] = wv[i] / norm_of(vector_tensor<double>(wv));
  norm->forward(w, y, Mode::train);
  CHECK(describe_mismatch(norm->buffer("u"), vector_tensor<double>(u), rounding<T>()) == "");
  CHECK(describe_mismatch(norm->buffer("v"), vector_tensor<double>(v), rounding<T>()) == "");
  CHECK(describe_mismatch(y, divided(u, v), rounding<T>()) == "");
}

TEST_CASE("spectral norm: the default's training backward is the gradient of W/(uᵀWv) with u, v held",
          "[family][spectral]") {
  for (const Shape& shape : kWeightShapes) {
    INFO(shape_string(shape));
    auto norm = make_normalizer<double>("spectral", shape);
    Tensor<double> w = random_tensor<double>(shape, "spectral/fd/w", 0.3, 1.7);
    const Tensor<double> r = random_tensor<double>(shape, "spectral/fd/r");
    Tensor<double> y, dw;
    norm->forward(w, y, Mode::train);  // one power step from the initial u, far from converged
    norm->backward(w, r, dw);
    // Evaluation forwards use the u, v of that step without iterating: the function backward differentiates.
    const auto loss = [&] {
      Tensor<double> out;
      norm->forward(w, out, Mode::eval);
      return weighted_sum(out, r);
    };
    CHECK(check_against_differences(loss, w, dw, "dW") == w.size());
  }
}

TEST_CASE("spectral norm: bad values and a zero weight are InputErrors", "[family][spectral][errors]") {
  const auto error_of = [](const std::string& spec) {
    return input_error([&] { make_normalizer<double>(spec, {3, 4}); });
  };
  CHECK_THAT(error_of("spectral:n_power_iterations=0"), Contains("n_power_iterations=0") && Contains(">= 1"));
  CHECK_THAT(error_of("spectral:n_power_iterations=1.5"),
             Contains("n_power_iterations=1.5") && Contains("integer"));
  CHECK_THAT(error_of("spectral:eps=0"), Contains("eps=0") && Contains("> 0"));
  auto norm = make_normalizer<double>("spectral", {3, 4});
  Tensor<double> zero = Tensor<double>::from_shape({3, 4}), y;
  zero.fill(0.0);
  CHECK_THAT(input_error([&] { norm->forward(zero, y, Mode::train); }),
             Contains("σ") && Contains("(3, 4)"));
}

TEMPLATE_TEST_CASE(
    "weight standardization: plain reference; a constant row gives 0 and the formula's gradient",
    "[family][weight_std]", float, double) {
  using T = TestType;
  const Shape shape{4, 3, 2, 2};
  const std::size_t L = 12;
  Tensor<T> w = random_tensor<T>(shape, "weight_std/w", 0.3, 1.7);
  for (std::size_t j = 0; j < L; ++j)
    w.data()[1 * L + j] = T(0.7);  // row 1: constant
  const Tensor<T> dy = random_tensor<T>(shape, "weight_std/dy");
  auto norm = make_normalizer<T>("weight_std", shape);
  CHECK(norm->parameters().empty());
  CHECK(norm->buffers().empty());
  Results<T> got = run_normalizer(*norm, w, dy, Mode::train);
  const double eps = 1e-6;
  Tensor<double> y = cast<double>(w), dx = cast<double>(dy);
  for (std::size_t o = 0; o < 4; ++o) {
    double mean = 0, var = 0, mean_dy = 0;
    for (std::size_t j = 0; j < L; ++j)
      mean += double(w.data()[o * L + j]) / L, mean_dy += double(dy.data()[o * L + j]) / L;
    for (std::size_t j = 0; j < L; ++j)
      var += std::pow(double(w.data()[o * L + j]) - mean, 2) / L;
    for (std::size_t j = 0; j < L; ++j)
      y.data()[o * L + j] = (double(w.data()[o * L + j]) - mean) / std::sqrt(var + eps);
    if (o == 1)  // the constant row: (dŵ - mean dŵ)/sqrt(eps)
      for (std::size_t j = 0; j < L; ++j)
        dx.data()[o * L + j] = (double(dy.data()[o * L + j]) - mean_dy) / std::sqrt(eps);
  }
  CHECK(describe_mismatch(got["y"], y, rounding<T>()) == "");
  for (std::size_t j = 0; j < L; ++j) {
    INFO("constant row, element " << j);
    CHECK(std::abs(double(got["y"].data()[L + j])) <= 1e-6);
    CHECK(std::isfinite(double(got["dx"].data()[L + j])));
    const double expected = dx.data()[L + j];
    CHECK(std::abs(double(got["dx"].data()[L + j]) - expected) <= 1e-5 * (1 + std::abs(expected)));
  }
  CHECK(normalizer_traits("weight_std").role == NormRole::weight);
  CHECK(normalizer_traits("weight_std").raw_weight_name.empty());
  CHECK(normalizer_traits("spectral").raw_weight_name == "orig");
  CHECK_THAT(input_error([&] { make_normalizer<T>("weight_std:eps=-1", shape); }),
             Contains("eps=-1") && Contains("> 0"));
}

}  // namespace normlab::testing
