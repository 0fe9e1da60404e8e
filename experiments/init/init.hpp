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

#include <string>
#include <vector>

#include "experiments/util/rng.hpp"
#include "norms/spec.hpp"
#include "norms/tensor.hpp"

namespace normlab {

using InitInfo = KindInfo;
const std::vector<InitInfo>& init_registry();

class Initializer {
 public:
  // Parses and checks an initialization spec; InputError naming the problem.
  static Initializer parse(const std::string& spec);

  const std::string& kind() const { return kind_; }
  // Fills a weight (out, *in) whose layer has the given fans; gain: see above.
  template <class T>
  void fill(Tensor<T>& weight, std::size_t fan_in, std::size_t fan_out, double gain, Rng& rng) const;

 private:
  std::string kind_;
  double value_ = 1;  // scale or std
};

// Gain of the nonlinearity after a layer, as torch.nn.init.calculate_gain: "relu" √2, "tanh"
// 5/3, "sigmoid" and "linear" 1.
double activation_gain(const std::string& activation);

}  // namespace normlab
