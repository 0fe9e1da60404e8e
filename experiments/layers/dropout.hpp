// Dropout as torch.nn.Dropout(p): in training, each element is kept with probability 1 - p and
// scaled by 1/(1 - p); evaluation is the identity. The mask comes from the layer's own Rng
// stream, so a run is deterministic for its seed.
#pragma once

#include <cstdint>

#include "experiments/layers/layer.hpp"
#include "experiments/util/rng.hpp"

namespace normlab {

template <class T>
class Dropout final : public Layer<T> {
 public:
  // p in [0, 1); InputError otherwise.
  Dropout(double p, std::uint64_t seed);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  // Restarts the mask stream (e.g. from a run's seed).
  void reseed(std::uint64_t seed) { rng_ = Rng(seed); }
  std::vector<std::pair<std::string, Rng*>> random_streams() override { return {{"rng", &rng_}}; }

 private:
  double p_;
  Rng rng_;
  bool last_was_train_ = false;
  Tensor<T> mask_;  // the last input's shape: 0 or 1/(1 - p)
  Tensor<T> y_, dx_;
};

}  // namespace normlab
