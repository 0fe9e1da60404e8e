// torch.optim.Adam and torch.optim.AdamW, for every parameter p with gradient g at step t (1-based):
//   AdamW only: p = p · (1 - lr · weight_decay)          (decoupled weight decay)
//   Adam only:  g = g + weight_decay · p                  (L2 penalty in the gradient)
//   (weight_decay = 0 for parameters of fewer than two dims if decay_1d = false)
//   m = beta1 · m + (1 - beta1) · g
//   v = beta2 · v + (1 - beta2) · g²
//   p = p - (lr / (1 - beta1^t)) · m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once

#include "experiments/optim/optimizer.hpp"

namespace normlab {

struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false;  // true: AdamW
  bool decay_1d = true;                 // false: no weight decay on parameters of fewer than two dims
};

template <class T>
class Adam final : public Optimizer<T> {
 public:
  Adam(const std::vector<ParameterRef<T>>& parameters, const AdamOptions& options);
  void step(double lr) override;
  std::string describe() const override;
  std::vector<std::pair<std::string, Tensor<T>*>> state_tensors() override {
    std::vector<std::pair<std::string, Tensor<T>*>> state;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      state.emplace_back(parameters_[i].name + ".exp_avg", &first_moments_[i]);
      state.emplace_back(parameters_[i].name + ".exp_avg_sq", &second_moments_[i]);
    }
    return state;
  }
  std::size_t step_count() const override { return steps_; }
  void set_step_count(std::size_t steps) override { steps_ = steps; }

 private:
  std::vector<ParameterRef<T>> parameters_;
  std::vector<Tensor<T>> first_moments_, second_moments_;  // m, v: one per parameter, same shape
  AdamOptions options_;
  std::size_t steps_ = 0;
};

}  // namespace normlab
