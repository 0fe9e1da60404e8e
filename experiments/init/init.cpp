#include "experiments/init/init.hpp"

#include <cmath>

#include "norms/core/errors.hpp"

namespace normlab {

namespace {

// The one value each scheme has (scale or std): a finite number >= 0.
double scheme_value(const Spec& spec, const std::string& key) {
  const double v = spec.get_double(key);
  if (!(v >= 0) || !std::isfinite(v)) spec.fail(key, "must be a finite number >= 0");
  return v;
}

InitInfo init_entry(std::string kind, std::string doc, KeyInfo key, InitFactory make) {
  return kind_entry<InitInfo>(std::move(kind), std::move(doc), {key}, make, {}, [make](const Spec& s) { make(s); });
}

Initializer kaiming(const Spec& spec) {
  const double scale = scheme_value(spec, "scale");
  return {Initializer::Distribution::normal,
          [scale](std::size_t fan_in, std::size_t, double gain) { return scale * gain / std::sqrt(double(fan_in)); }};
}

Initializer xavier(const Spec& spec) {
  const double scale = scheme_value(spec, "scale");
  return {Initializer::Distribution::uniform, [scale](std::size_t fan_in, std::size_t fan_out, double) {
            return scale * std::sqrt(6.0 / double(fan_in + fan_out));
          }};
}

Initializer fixed_normal(const Spec& spec) {
  const double std = scheme_value(spec, "std");
  return {Initializer::Distribution::normal, [std](std::size_t, std::size_t, double) { return std; }};
}

Initializer fixed_uniform(const Spec& spec) {
  const double scale = scheme_value(spec, "scale");
  return {Initializer::Distribution::uniform, [scale](std::size_t, std::size_t, double) { return scale; }};
}

}  // namespace

const KindRegistry<InitInfo>& init_registry() {
  static const KindRegistry<InitInfo> registry(
      "init",
      {init_entry("kaiming", "He normal: N(0, (scale·gain)²/fan_in), gain √2 for relu, 5/3 for tanh, 1 otherwise",
                  {"scale", "1", "multiplies the standard deviation"}, kaiming),
       init_entry("xavier", "Glorot uniform: U(-a, a), a = scale·√(6/(fan_in + fan_out))",
                  {"scale", "1", "multiplies the bound"}, xavier),
       init_entry("normal", "N(0, std²) whatever the layer's size", {"std", "0.01", "standard deviation"},
                  fixed_normal),
       init_entry("uniform", "U(-scale, scale) whatever the layer's size",
                  {"scale", "0.1", "half-width of the interval"}, fixed_uniform)});
  return registry;
}

Initializer Initializer::parse(const std::string& text) {
  const Spec spec = init_registry().parse(text);
  return init_registry().find(spec.kind()).make(spec);
}

template <class T>
void Initializer::fill(Tensor<T>& weight, std::size_t fan_in, std::size_t fan_out, double gain, Rng& rng) const {
  T* w = weight.data();
  const std::size_t n = weight.size();
  const double spread = spread_(fan_in, fan_out, gain);
  if (distribution_ == Distribution::normal) {
    for (std::size_t i = 0; i < n; ++i) w[i] = T(rng.normal(0.0, spread));
  } else {
    for (std::size_t i = 0; i < n; ++i) w[i] = T(rng.uniform(-spread, spread));
  }
}

double activation_gain(const std::string& activation) {
  if (activation == "relu") return std::sqrt(2.0);
  if (activation == "tanh") return 5.0 / 3.0;
  if (activation == "sigmoid" || activation == "linear") return 1.0;
  throw InputError("no initialization gain for activation '" + activation + "'; valid: relu, tanh, sigmoid, linear");
}

template void Initializer::fill<float>(Tensor<float>&, std::size_t, std::size_t, double, Rng&) const;
template void Initializer::fill<double>(Tensor<double>&, std::size_t, std::size_t, double, Rng&) const;

}  // namespace normlab
