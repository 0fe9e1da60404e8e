#include "experiments/init/init.hpp"

#include <cmath>

#include "norms/errors.hpp"

namespace normlab {

const std::vector<InitInfo>& init_registry() {
  static const std::vector<InitInfo> registry = {
      {"kaiming", "He normal: N(0, (scale·gain)²/fan_in), gain √2 for relu, 5/3 for tanh, 1 otherwise",
       {{"scale", "1", "multiplies the standard deviation"}}},
      {"xavier", "Glorot uniform: U(-a, a), a = scale·√(6/(fan_in + fan_out))",
       {{"scale", "1", "multiplies the bound"}}},
      {"normal", "N(0, std²) whatever the layer's size", {{"std", "0.01", "standard deviation"}}},
      {"uniform", "U(-scale, scale) whatever the layer's size", {{"scale", "0.1", "half-width of the interval"}}},
  };
  return registry;
}

Initializer Initializer::parse(const std::string& text) {
  Spec spec = Spec::parse(text, "init");
  const InitInfo* info = &find_kind(init_registry(), spec.kind(), "init");
  spec.validate(info->keys);
  Initializer init;
  init.kind_ = info->kind;
  const std::string key = info->keys.at(0).name;
  init.value_ = spec.get_double(key);
  if (!(init.value_ >= 0) || !std::isfinite(init.value_)) spec.fail(key, "must be a finite number >= 0");
  return init;
}

template <class T>
void Initializer::fill(Tensor<T>& weight, std::size_t fan_in, std::size_t fan_out, double gain, Rng& rng) const {
  T* w = weight.data();
  const std::size_t n = weight.size();
  if (kind_ == "kaiming" || kind_ == "normal") {
    const double std = kind_ == "normal" ? value_ : value_ * gain / std::sqrt(double(fan_in));
    for (std::size_t i = 0; i < n; ++i) w[i] = T(rng.normal(0.0, std));
  } else {
    const double bound = kind_ == "uniform" ? value_ : value_ * std::sqrt(6.0 / double(fan_in + fan_out));
    for (std::size_t i = 0; i < n; ++i) w[i] = T(rng.uniform(-bound, bound));
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
