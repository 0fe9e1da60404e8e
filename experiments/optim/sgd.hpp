// torch.optim.SGD, for every parameter p with gradient g at step t (1-based):
//   g = g + weight_decay · p              (weight_decay = 0 for 1-d parameters if decay_1d = false)
//   if momentum != 0:
//     b = g                                  (t = 1)
//     b = momentum · b + (1 - dampening) · g (t > 1)
//     g = g + momentum · b  if nesterov, else  g = b
//   p = p - lr · g
#pragma once

#include "experiments/optim/optimizer.hpp"

namespace normlab {

struct SgdOptions {
  double momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  bool decay_1d = true;  // false: no weight decay on parameters of fewer than two dims
};

template <class T>
class Sgd final : public Optimizer<T> {
 public:
  Sgd(const std::vector<ParameterRef<T>>& parameters, const SgdOptions& options);
  void step(double lr) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Tensor<T>*>> state_tensors() override {
    std::vector<std::pair<std::string, Tensor<T>*>> state;
    for (std::size_t i = 0; i < momentum_buffers_.size(); ++i)
      state.emplace_back(parameters_[i].name + ".momentum_buffer", &momentum_buffers_[i]);
    return state;
  }
  std::size_t step_count() const override { return steps_; }
  void set_step_count(std::size_t steps) override { steps_ = steps; }

 private:
  std::vector<ParameterRef<T>> parameters_;
  std::vector<Tensor<T>> momentum_buffers_;  // one per parameter, same shape; unused when momentum == 0
  SgdOptions options_;
  std::size_t steps_ = 0;
};

}  // namespace normlab
