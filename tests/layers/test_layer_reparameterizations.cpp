// Linear and Conv2d under the weight reparameterizations of issue 10 (weight_std, spectral):
// PyTorch's names (weight_std keeps "weight"; spectral exposes weight_orig and the buffers
// weight_u, weight_v), finite-difference gradients, and the mode reaching the reparameterization
// (spectral norm iterates u and v in training only).
#include <memory>

#include "experiments/layers/conv2d.hpp"
#include "experiments/layers/linear.hpp"
#include "layers/gradcheck.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

std::vector<std::string> names_of(const std::vector<ParameterRef<double>>& refs) {
  std::vector<std::string> names;
  for (const auto& r : refs)
    names.push_back(r.name);
  return names;
}
std::vector<std::string> names_of(const std::vector<BufferRef<double>>& refs) {
  std::vector<std::string> names;
  for (const auto& r : refs)
    names.push_back(r.name);
  return names;
}

double max_abs_difference(const Tensor<double>& a, const Tensor<double>& b) {
  REQUIRE(shape_of(a) == shape_of(b));
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
  return worst;
}

}  // namespace

TEST_CASE("weight_std and spectral layers carry PyTorch's parameter and buffer names") {
  Linear<double> standardized(4, 3, true, "weight_std"), spectral(4, 3, true, "spectral");
  CHECK(names_of(standardized.parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(standardized.buffers().empty());
  CHECK(names_of(spectral.parameters()) == std::vector<std::string>{"weight_orig", "bias"});
  CHECK(names_of(spectral.buffers()) == std::vector<std::string>{"weight_u", "weight_v"});
  CHECK(shape_of(*spectral.buffers()[0].value) == Shape{3});
  CHECK(shape_of(*spectral.buffers()[1].value) == Shape{4});
  Conv2d<double> conv({2, 3, 3, 1, 1}, false, "spectral");
  CHECK(shape_of(*conv.buffers()[1].value) == Shape{18});  // v: (in·k·k)
}

TEST_CASE("Linear and Conv2d gradients under weight standardization and spectral normalization") {
  Rng rng(21);
  // spectral in evaluation mode: u, v held, the function backward differentiates; in training
  // mode with enough iterations to converge, the output is a function of the weight alone.
  const std::vector<std::pair<std::string, Mode>> cases = {{"weight_std", Mode::train},
                                                           {"weight_std:eps=1e-3", Mode::eval},
                                                           {"spectral", Mode::eval},
                                                           {"spectral:n_power_iterations=200", Mode::train}};
  for (const auto& [spec, mode] : cases) {
    INFO(spec);
    Linear<double> linear(5, 3, true, spec);
    randomize_parameters(linear, rng);
    check_layer_gradients(linear, random_tensor({4, 5}, rng), mode);
    Conv2d<double> conv({2, 3, 3, 1, 1}, true, spec);
    randomize_parameters(conv, rng);
    check_layer_gradients(conv, random_tensor({2, 2, 4, 4}, rng), mode);
  }
}

TEST_CASE("spectral norm in a layer iterates u and v in training mode only") {
  Rng rng(22);
  Linear<double> linear(6, 4, false, "spectral");
  randomize_parameters(linear, rng);
  const Tensor<double> x = random_tensor({3, 6}, rng);
  const Tensor<double> u0 = *linear.buffers()[0].value;
  linear.forward(x, Mode::eval);
  CHECK(max_abs_difference(*linear.buffers()[0].value, u0) == 0);
  linear.forward(x, Mode::train);
  CHECK(max_abs_difference(*linear.buffers()[0].value, u0) > 1e-6);
  // weight_std standardizes each output row of the layer's weight: mean 0, variance ~1.
  Linear<double> standardized(6, 4, false, "weight_std");
  randomize_parameters(standardized, rng);
  const Tensor<double>& w = standardized.weight().compute();
  for (std::size_t o = 0; o < 4; ++o) {
    double mean = 0, squares = 0;
    for (std::size_t j = 0; j < 6; ++j)
      mean += w(o, j) / 6, squares += w(o, j) * w(o, j) / 6;
    CHECK(std::abs(mean) < 1e-14);
    CHECK(std::abs(squares - 1) < 1e-4);  // var/(var + eps), eps = 1e-6
  }
}
