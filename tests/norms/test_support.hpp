// Small helpers shared by the norms tests: deterministic random tensors, dtype casts, and runs of
// a normalizer that collect everything it produces.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "experiments/util/rng.hpp"
#include "fixtures/fixture_cases.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab::testing {

// Entries drawn from N(mean, std²), deterministic for a given name.
template <class T>
Tensor<T> random_tensor(const Shape& shape, const std::string& name, double mean = 0.0, double stddev = 1.0) {
  Rng rng = Rng::stream(20261121, name);
  Tensor<T> t = Tensor<T>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = T(rng.normal(mean, stddev));
  return t;
}

// Entries uniform in [lo, hi).
template <class T>
Tensor<T> uniform_tensor(const Shape& shape, const std::string& name, double lo, double hi) {
  Rng rng = Rng::stream(20261121, name);
  Tensor<T> t = Tensor<T>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i)
    t.data()[i] = T(rng.uniform(lo, hi));
  return t;
}

template <class To, class From>
Tensor<To> cast(const Tensor<From>& from) {
  Tensor<To> to = Tensor<To>::from_shape(shape_of(from));
  for (std::size_t i = 0; i < from.size(); ++i)
    to.data()[i] = To(from.data()[i]);
  return to;
}

// Everything one forward + backward produces, by the names `normlab apply` uses: y, dx,
// d<param>, and the buffers after the forward.
template <class T>
using Results = std::map<std::string, Tensor<T>>;

template <class T>
Results<T> run_normalizer(Normalizer<T>& norm, const Tensor<T>& x, const Tensor<T>& dy, Mode mode) {
  Results<T> out;
  norm.forward(x, out["y"], mode);
  norm.backward(x, dy, out["dx"]);
  for (auto& p : norm.parameters())
    out["d" + p.name] = *p.grad;
  for (auto& b : norm.buffers())
    out[b.name] = *b.value;
  return out;
}

// Sets non-trivial affine parameters (γ of both signs, β ≠ 0) and running statistics, where the
// normalizer has them.
template <class T>
void set_nontrivial_state(Normalizer<T>& norm, const std::string& seed) {
  for (auto& p : norm.parameters()) {
    const Shape shape = shape_of(*p.value);
    if (p.name == "weight") {
      Tensor<T> w = uniform_tensor<T>(shape, seed + "/weight", 0.5, 1.5);
      for (std::size_t i = 0; i < w.size(); i += 2)
        w.data()[i] = -w.data()[i];
      norm.set("weight", w);
    } else if (p.name == "bias") {
      norm.set("bias", random_tensor<T>(shape, seed + "/bias", 0.0, 0.5));
    } else if (p.name == "g") {
      norm.set("g", uniform_tensor<T>(shape, seed + "/g", 0.5, 2.0));
    }
  }
  for (auto& b : norm.buffers()) {
    const Shape shape = shape_of(*b.value);
    if (b.name == "running_mean") norm.set(b.name, random_tensor<T>(shape, seed + "/rm", 0.0, 0.7));
    if (b.name == "running_var") norm.set(b.name, uniform_tensor<T>(shape, seed + "/rv", 0.3, 2.0));
  }
}

// The message of the InputError that `action` throws; fails the test if it throws nothing or
// something else, or if the message is not a single line.
inline std::string input_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    const std::string message = e.what();
    INFO("message: " << message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(!message.empty());
    return message;
  } catch (const std::exception& e) {
    FAIL("expected an InputError, got another exception: " << e.what());
  }
  FAIL("expected an InputError, nothing was thrown");
  return "";
}

}  // namespace normlab::testing
