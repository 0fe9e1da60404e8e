// Finite-difference gradient checks in double for layers and models (shared by tests/layers and
// tests/models).
//
// The loss is L = Σ r ⊙ y for a fixed random r, so dL/dy = r. Each numerical derivative is a
// central difference (L(θ + h) - L(θ - h)) / 2h with h = 1e-5: its truncation error is O(h²)
// ≈ 1e-10 and its rounding error ≈ 1e-16·|L|/h ≈ 1e-10 for these sizes, so analytic and numerical
// gradients must agree to `tolerance` (1e-6 by default) relative to the largest |numerical|
// entry of the tensor checked (or absolutely, below 1e-3). Entries near a kink are retried with
// smaller steps (see compare_with_finite_differences).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "experiments/layers/layer.hpp"
#include "experiments/models/model.hpp"
#include "experiments/util/rng.hpp"

namespace normlab::testing {

// Every parameter of layer drawn from N(0, 0.5²), plus weight_g_shift for weight-norm
// magnitudes (weight_g), which a gradient check keeps away from 0.
template <class L>
void randomize_parameters(L& layer, Rng& rng, double weight_g_shift = 0.0) {
  for (auto& p : layer.parameters())
    for (std::size_t i = 0; i < p.value->size(); ++i)
      p.value->data()[i] = rng.normal(0.0, 0.5) + (p.name == "weight_g" ? weight_g_shift : 0.0);
}

inline Tensor<double> random_tensor(const Shape& shape, Rng& rng, double scale = 1.0) {
  Tensor<double> t = Tensor<double>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = rng.normal(0.0, scale);
  return t;
}

inline double dot(const Tensor<double>& a, const Tensor<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a.data()[i] * b.data()[i];
  return s;
}

constexpr double kStep = 1e-5;

inline double central_difference(Tensor<double>& value, std::size_t i, double step, const std::function<double()>& loss) {
  const double saved = value.data()[i];
  value.data()[i] = saved + step;
  const double plus = loss();
  value.data()[i] = saved - step;
  const double minus = loss();
  value.data()[i] = saved;
  return (plus - minus) / (2 * step);
}

// Compares an analytic gradient with central differences of `loss` over the entries of `value`.
// An entry within a step of a kink (ReLU, max pooling) gets a wrong central difference
// however right the gradient is; such an entry is retried with steps h/10 and h/100 (rounding
// error then ≈ 1e-8), which a wrong gradient cannot pass.
inline void compare_with_finite_differences(const std::string& what, Tensor<double>& value,
                                            const Tensor<double>& analytic, const std::function<double()>& loss,
                                            double tolerance) {
  REQUIRE(analytic.size() == value.size());
  std::vector<double> numerical(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) numerical[i] = central_difference(value, i, kStep, loss);
  double scale = 1e-3, worst = 0;
  std::size_t worst_index = 0;
  for (double n : numerical) scale = std::max(scale, std::abs(n));
  for (std::size_t i = 0; i < numerical.size(); ++i) {
    double error = std::abs(analytic.data()[i] - numerical[i]) / scale;
    for (double step : {kStep / 10, kStep / 100}) {
      if (error <= tolerance) break;
      numerical[i] = central_difference(value, i, step, loss);
      error = std::abs(analytic.data()[i] - numerical[i]) / scale;
    }
    if (error > worst) worst = error, worst_index = i;
  }
  INFO(what << ": worst relative error " << worst << " at entry " << worst_index << " (analytic "
            << analytic.data()[worst_index] << ", numerical " << numerical[worst_index] << ", scale " << scale << ")");
  CHECK(worst <= tolerance);
}

// Checks dx and every parameter gradient of a layer at input x. Parameter gradients are
// pre-filled with 0.5 to check that backward() accumulates into them.
inline void check_layer_gradients(Layer<double>& layer, Tensor<double> x, Mode mode = Mode::train,
                                  double tolerance = 1e-6, std::uint64_t seed = 11) {
  Rng rng(seed);
  const Tensor<double> r = random_tensor(shape_of(layer.forward(x, mode)), rng);
  auto loss = [&] { return dot(layer.forward(x, mode), r); };
  loss();
  for (auto& p : layer.parameters()) p.grad->fill(0.5);
  const Tensor<double> dx = layer.backward(r);
  std::vector<Tensor<double>> grads;
  for (auto& p : layer.parameters()) grads.push_back(*p.grad - 0.5);
  compare_with_finite_differences(layer.describe() + " dx", x, dx, loss, tolerance);
  auto params = layer.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    compare_with_finite_differences(layer.describe() + " d" + params[i].name, *params[i].value, grads[i], loss,
                                    tolerance);
}

// Checks every parameter gradient of a model at input x (training mode).
inline void check_model_gradients(Model<double>& model, const Tensor<double>& x, double tolerance = 1e-6,
                                  std::uint64_t seed = 13) {
  Rng rng(seed);
  const Tensor<double> r = random_tensor(shape_of(model.forward(x, Mode::train)), rng);
  auto loss = [&] { return dot(model.forward(x, Mode::train), r); };
  loss();
  model.zero_grad();
  model.backward(r);
  auto params = model.parameters();
  REQUIRE(!params.empty());
  std::vector<Tensor<double>> grads;
  for (auto& p : params) grads.push_back(*p.grad);
  for (std::size_t i = 0; i < params.size(); ++i)
    compare_with_finite_differences("d" + params[i].name, *params[i].value, grads[i], loss, tolerance);
}

}  // namespace normlab::testing
