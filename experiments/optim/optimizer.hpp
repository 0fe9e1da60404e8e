// Optimizers over a model's parameters, with PyTorch's update formulas exactly:
//
//   sgd    torch.optim.SGD   (momentum, dampening, nesterov, weight_decay as L2 added to the gradient)
//   adam   torch.optim.Adam  (bias-corrected moments; weight_decay as L2 added to the gradient)
//   adamw  torch.optim.AdamW (decoupled weight decay: p *= 1 - lr·weight_decay before the Adam step)
//
// An optimizer is bound to its parameters when made and allocates its state (momentum buffers,
// moments) then, so step() allocates nothing. step(lr) reads every parameter's grad, which the
// caller has filled by backward(); the learning rate comes from the schedule at each step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "norms/core/kind_registry.hpp"
#include "norms/normalizer.hpp"

namespace normlab {

template <class T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter with learning rate `lr`.
  virtual void step(double lr) = 0;
  // e.g. "SGD(momentum=0.9, dampening=0, nesterov=true, weight_decay=0.0005)"
  virtual std::string describe() const = 0;

  // The state a checkpoint saves and restores, with PyTorch's names of optimizer state prefixed
  // by the parameter's name: "0.weight.momentum_buffer" (SGD), "0.weight.exp_avg" and
  // "0.weight.exp_avg_sq" (Adam). A restored optimizer continues exactly where it was.
  virtual std::vector<std::pair<std::string, Tensor<T>*>> state_tensors() = 0;
  // Steps taken so far (PyTorch's "step"): SGD's first step and Adam's bias corrections depend on it.
  virtual std::size_t step_count() const = 0;
  virtual void set_step_count(std::size_t steps) = 0;
};

// The weight decay a parameter takes: `weight_decay`, or 0 for a parameter of fewer than two
// dims (biases, norm gains and shifts) when decay_1d is false -- the parameter groups of nanoGPT's
// configure_optimizers and timm's param_groups_weight_decay, decided by the tensor's rank.
template <class T>
double weight_decay_of(const ParameterRef<T>& parameter, double weight_decay, bool decay_1d) {
  return decay_1d || parameter.value->shape().size() >= 2 ? weight_decay : 0.0;
}

template <class T>
using OptimizerFactory =
    std::function<std::unique_ptr<Optimizer<T>>(const Spec& spec, const std::vector<ParameterRef<T>>& parameters)>;
using OptimizerInfo = KindEntry<PerDtype<OptimizerFactory>>;
// Every optimizer kind with its keys and defaults (for `normlab list` and validation).
const KindRegistry<OptimizerInfo>& optimizer_registry();

// Bad kinds, keys or values are InputErrors naming them and what is allowed.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& spec, const std::vector<ParameterRef<T>>& parameters);
void validate_optimizer_spec(const std::string& spec);

}  // namespace normlab
