// Weight initialization schemes, chosen by spec (ModelOptions::init):
//   kaiming:scale=1   He normal: N(0, (scale·gain)²/fan_in), gain from the activation that
//                     follows the layer (relu √2, tanh 5/3, sigmoid and none 1), as
//                     torch.nn.init.kaiming_normal_ (mode fan_in) and calculate_gain;
//   xavier:scale=1    Glorot uniform: U(-a, a), a = scale·√(6/(fan_in + fan_out)) (gain 1, as
//                     Glorot & Bengio and torch.nn.init.xavier_uniform_'s default);
//   normal:std=0.01   N(0, std²), whatever the layer's size;
//   uniform:scale=0.1 U(-scale, scale), whatever the layer's size.
// The last two exist for initialization-sensitivity studies (bad initializations on purpose).
// Biases start at 0 whatever the scheme.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiments/util/rng.hpp"
#include "norms/core/kind_registry.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

class Initializer {
 public:
  enum class Distribution { normal, uniform };
  // The standard deviation (normal) or half-width (uniform) for a layer's fans and gain.
  using Spread = std::function<double(std::size_t fan_in, std::size_t fan_out, double gain)>;
  Initializer(Distribution distribution, Spread spread) : distribution_(distribution), spread_(std::move(spread)) {}

  // Parses and checks an initialization spec; InputError naming the problem.
  static Initializer parse(const std::string& spec);

  // Fills a weight (out, *in) whose layer has the given fans; gain: see above.
  template <class T>
  void fill(Tensor<T>& weight, std::size_t fan_in, std::size_t fan_out, double gain, Rng& rng) const;

 private:
  Distribution distribution_;
  Spread spread_;
};

using InitFactory = std::function<Initializer(const Spec& spec)>;
using InitInfo = KindEntry<InitFactory>;
const KindRegistry<InitInfo>& init_registry();

// Gain of the nonlinearity after a layer, as torch.nn.init.calculate_gain: "relu" √2, "tanh"
// 5/3, "sigmoid" and "linear" 1.
double activation_gain(const std::string& activation);

}  // namespace normlab
