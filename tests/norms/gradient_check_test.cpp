// Finite-difference gradient checks in double for every normalizer and variant, in training and
// evaluation mode, on (N, C), (N, C, L) and (N, C, H, W) inputs: dx and the gradient of every
// learnable parameter against central differences of the scalar loss L = Σ y·r (r random, so
// that backward receives dy = r).
//
// Central differences with h = 1e-6 have truncation error O(h²) ~ 1e-12 and rounding error
// ~ 1e-16·|L|/h ~ 1e-8 here; the tolerance is |numeric - analytic| <= 1e-6·(1 + |analytic|).
#include <catch2/catch.hpp>

#include "registry_cases.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;

double loss(Normalizer<double>& norm, const Tensor<double>& x, const Tensor<double>& r, Mode mode) {
  Tensor<double> y;
  norm.forward(x, y, mode);
  double total = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    total += y.data()[i] * r.data()[i];
  return total;
}

// Central difference of the loss with respect to value[i]; value is restored afterwards.
double numeric_derivative(Normalizer<double>& norm, Tensor<double>& x, const Tensor<double>& r, Mode mode,
                          double& value) {
  const double saved = value;
  value = saved + kStep;
  const double up = loss(norm, x, r, mode);
  value = saved - kStep;
  const double down = loss(norm, x, r, mode);
  value = saved;
  return (up - down) / (2 * kStep);
}

void check_gradients(const std::string& spec, const Shape& shape, Mode mode) {
  INFO("spec '" << spec << "', shape " << shape_string(shape) << ", "
                << (mode == Mode::train ? "train" : "eval"));
  auto norm = make_normalizer<double>(spec, shape);
  set_nontrivial_state(*norm, spec);
  Tensor<double> x = random_tensor<double>(shape, "fd/x/" + spec, 0.3, 1.7);
  const Tensor<double> r = random_tensor<double>(shape, "fd/r/" + spec);

  Tensor<double> y, dx;
  norm->forward(x, y, mode);
  norm->zero_grad();
  norm->backward(x, r, dx);

  std::size_t checked = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double numeric = numeric_derivative(*norm, x, r, mode, x.data()[i]);
    INFO("dx at flat index " << i);
    CHECK(std::abs(numeric - dx.data()[i]) <= kTolerance * (1 + std::abs(dx.data()[i])));
    ++checked;
  }
  for (auto& p : norm->parameters()) {
    const Tensor<double> analytic = *p.grad;  // copied: the forwards below do not touch it
    for (std::size_t i = 0; i < p.value->size(); ++i) {
      const double numeric = numeric_derivative(*norm, x, r, mode, p.value->data()[i]);
      INFO("d" << p.name << " at flat index " << i);
      CHECK(std::abs(numeric - analytic.data()[i]) <= kTolerance * (1 + std::abs(analytic.data()[i])));
      ++checked;
    }
  }
  CHECK(checked == x.size() + norm->parameter_count());
}

}  // namespace

// Every registered normalizer with every example spec of its registry entry, on (N, C),
// (N, C, L) and (N, C, H, W) where its rank allows.
TEST_CASE("finite differences: every registered normalizer and example spec, both modes", "[gradcheck]") {
  std::vector<std::string> kinds_checked;
  for (const NormCase& c : registry_cases({{5, 4}, {3, 4, 5}, {2, 4, 3, 3}})) {
    for (Mode mode : {Mode::train, Mode::eval}) check_gradients(c.spec, c.shape, mode);
    if (kinds_checked.empty() || kinds_checked.back() != c.info->kind) kinds_checked.push_back(c.info->kind);
  }
  CHECK(kinds_checked == normalizer_registry().kind_names());
}

}  // namespace normlab::testing
