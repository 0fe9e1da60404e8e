// Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_(parameters, max_norm):
//   total = sqrt(Σ over every parameter of Σ g²);  if max_norm / (total + 1e-6) < 1, every g *= that ratio.
// The sum is in double, over the parameters in order and each parameter's entries in order, so
// it does not depend on the thread count. Returns the norm before clipping.
#pragma once

#include <vector>

#include "norms/normalizer.hpp"

namespace normlab {

template <class T>
double clip_grad_norm(const std::vector<ParameterRef<T>>& parameters, double max_norm);

}  // namespace normlab
