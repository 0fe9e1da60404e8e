#include "experiments/models/sequence_norms.hpp"

#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

void check_sequence_norm(const std::string& model, const ModelOptions& options) {
  const NormalizerTraits& traits = normalizer_traits(options.norm);
  const Spec spec = normalizer_registry().parse(options.norm);
  const bool fits = traits.role == NormRole::identity ||
                    (traits.role == NormRole::activation && traits.min_rank <= 2 &&
                     !(traits.includes_activation && traits.includes_activation(spec)));
  if (!fits) {
    std::vector<std::string> allowed;
    for (const auto& info : normalizer_registry().entries())
      if (info.traits.role == NormRole::identity ||
          (info.traits.role == NormRole::activation && info.traits.min_rank <= 2 &&
           !info.traits.includes_activation))
        allowed.push_back(info.kind);
    throw InputError(
        "model '" + model + "': normalizer '" + options.norm +
        "' does not apply to a sequence model, which normalizes each token's features (N·T, C): it " +
        (traits.role == NormRole::weight ? std::string("reparameterizes weights")
         : traits.min_rank > 2
             ? "needs spatial dims (inputs of rank >= " + std::to_string(traits.min_rank) + ")"
             : std::string("includes its own activation")) +
        "; valid: " + join(allowed, ", "));
  }
  // Their Linear weights are built by the model itself, not through the placement builder's
  // reparameterized hidden layers, so a weight reparameterization would silently do nothing.
  if (normalizer_traits(options.reparam).role != NormRole::identity) {
    std::vector<std::string> identities;
    for (const auto& info : normalizer_registry().entries())
      if (info.traits.role == NormRole::identity) identities.push_back(info.kind);
    throw InputError("model '" + model + "': reparam '" + options.reparam +
                     "' does not apply to a sequence model (its weights are not reparameterized); valid: " +
                     join(identities, ", "));
  }
}

}  // namespace normlab
