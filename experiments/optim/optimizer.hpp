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
};

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
