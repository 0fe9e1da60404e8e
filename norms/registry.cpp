#include "norms/registry.hpp"

namespace normlab {

// One line per normalizer; each is defined in its own file. The order is the order of `normlab
// list`, of tables and legends, and gives each kind its colour and marker in figures: the five
// textbook members and the baseline first, as in every earlier figure.
NormalizerInfo batch_norm_info();
NormalizerInfo layer_norm_info();
NormalizerInfo instance_norm_info();
NormalizerInfo group_norm_info();
NormalizerInfo weight_norm_info();
NormalizerInfo identity_info();
NormalizerInfo rms_norm_info();
NormalizerInfo batch_renorm_info();
NormalizerInfo mean_only_norm_info();
NormalizerInfo switchable_info();
NormalizerInfo frn_info();
NormalizerInfo evonorm_b0_info();
NormalizerInfo evonorm_s0_info();
NormalizerInfo weight_std_info();
NormalizerInfo spectral_norm_info();

const KindRegistry<NormalizerInfo>& normalizer_registry() {
  static const KindRegistry<NormalizerInfo> registry(
      "normalizer", {batch_norm_info(), layer_norm_info(), instance_norm_info(), group_norm_info(), weight_norm_info(),
                     identity_info(), rms_norm_info(), batch_renorm_info(), mean_only_norm_info(), switchable_info(),
                     frn_info(), evonorm_b0_info(), evonorm_s0_info(), weight_std_info(), spectral_norm_info()});
  return registry;
}

const char* role_name(NormRole role) {
  switch (role) {
    case NormRole::activation: return "activation";
    case NormRole::weight: return "weight";
    case NormRole::identity: return "identity";
  }
  return "";
}

const NormalizerTraits& normalizer_traits(const std::string& text) {
  return normalizer_registry().find(normalizer_registry().parse(text).kind()).traits;
}

template <class T>
std::unique_ptr<Normalizer<T>> make_normalizer(const std::string& text, const Shape& shape) {
  const Spec spec = normalizer_registry().parse(text);
  return normalizer_registry().find(spec.kind()).make.template get<T>()(spec, shape);
}

template std::unique_ptr<Normalizer<float>> make_normalizer<float>(const std::string&, const Shape&);
template std::unique_ptr<Normalizer<double>> make_normalizer<double>(const std::string&, const Shape&);

void validate_normalizer_spec(const std::string& text) { normalizer_registry().check(text); }

}  // namespace normlab
