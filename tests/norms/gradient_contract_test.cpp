// The gradient contract of normalizer.hpp: backward() ASSIGNS dx (whatever the buffer held, and
// whatever its shape was) and ACCUMULATES into every parameter gradient; zero_grad() clears them.
// Tested by pre-filling dx with NaN garbage and the gradients with a known value, against a twin
// normalizer in the same state that started from clean buffers.
#include <catch2/catch.hpp>

#include <limits>

#include "registry_cases.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

template <class T>
void check_contract(const std::string& spec, const Shape& shape, Mode mode) {
  INFO("spec '" << spec << "', shape " << shape_string(shape) << ", "
                << (mode == Mode::train ? "train" : "eval") << ", " << (sizeof(T) == 4 ? "float" : "double"));
  const Tensor<T> x = random_tensor<T>(shape, "contract/x", 0.3, 1.7);
  const Tensor<T> dy = random_tensor<T>(shape, "contract/dy");

  // The clean twin: fresh buffers, gradients starting at zero.
  auto clean = make_normalizer<T>(spec, shape);
  set_nontrivial_state(*clean, spec);
  Tensor<T> y_clean, dx_clean;
  clean->forward(x, y_clean, mode);
  clean->backward(x, dy, dx_clean);

  auto norm = make_normalizer<T>(spec, shape);
  set_nontrivial_state(*norm, spec);
  constexpr T kPrefill = T(0.5);
  for (auto& p : norm->parameters())
    p.grad->fill(kPrefill);
  Tensor<T> y;
  norm->forward(x, y, mode);

  for (const bool right_shape : {true, false}) {
    INFO("dx pre-filled with NaN, " << (right_shape ? "already the right shape" : "of shape (7,)"));
    Tensor<T> dx = right_shape ? Tensor<T>::from_shape(shape) : Tensor<T>::from_shape({7});
    dx.fill(std::numeric_limits<T>::quiet_NaN());
    norm->backward(x, dy, dx);
    // dx is assigned: bit-identical to the clean twin's.
    CHECK(describe_mismatch(dx, dx_clean, Tolerance{0, 0}) == "");
  }
  // Two backward calls: every gradient is prefill + 2·(the clean twin's gradient).
  // (float rounds each accumulation to float: a few ulps of values up to ~10)
  const Tolerance tol = sizeof(T) == 4 ? Tolerance{1e-5, 1e-6} : Tolerance{1e-13, 1e-13};
  const auto clean_params = clean->parameters();
  const auto params = norm->parameters();
  REQUIRE(params.size() == clean_params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO("gradient of " << params[k].name << " after two backward calls on a buffer pre-filled with 0.5");
    Tensor<double> expected = cast<double>(*clean_params[k].grad);
    for (std::size_t i = 0; i < expected.size(); ++i)
      expected.data()[i] = double(kPrefill) + 2 * expected.data()[i];
    CHECK(describe_mismatch(*params[k].grad, expected, tol) == "");
  }
  norm->zero_grad();
  for (auto& p : norm->parameters()) {
    INFO("gradient of " << p.name << " after zero_grad()");
    Tensor<T> zeros = Tensor<T>::from_shape(shape_of(*p.grad));
    zeros.fill(T(0));
    CHECK(describe_mismatch(*p.grad, zeros, Tolerance{0, 0}) == "");
  }
}

}  // namespace

TEST_CASE("gradient contract: dx assigned, parameter gradients accumulated", "[contract]") {
  for (const NormCase& c : registry_cases({{6, 4}, {3, 4, 5}, {2, 4, 3, 3}}))
    for (Mode mode : {Mode::train, Mode::eval}) {
      check_contract<float>(c.spec, c.shape, mode);
      check_contract<double>(c.spec, c.shape, mode);
    }
}

}  // namespace normlab::testing
