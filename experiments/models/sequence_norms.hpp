// What the sequence models (transformer.cpp, lstm.cpp) share: which normalizers apply to them.
#pragma once

#include <string>

#include "experiments/models/model.hpp"

namespace normlab {

// Sequence models normalize each token's (or each step's) features, (N·T, C) or (N, C): an
// activation normalizer of rank-2 inputs that includes no activation of its own, or the
// identity; asked of the registry's traits. InputError naming the normalizer, why, and the
// kinds that apply; also for a weight reparameterization in `reparam`, which they do not support.
void check_sequence_norm(const std::string& model, const ModelOptions& options);

}  // namespace normlab
