#include "norms/registry.hpp"

namespace normlab {

// One line per normalizer; each is defined in its own file.
NormalizerInfo batch_norm_info();
NormalizerInfo layer_norm_info();
NormalizerInfo instance_norm_info();
NormalizerInfo group_norm_info();
NormalizerInfo weight_norm_info();
NormalizerInfo identity_info();
// family1 (issue 10): rms, batch_renorm, mean_only, weight_std, spectral
NormalizerInfo rms_norm_info();
NormalizerInfo batch_renorm_info();
NormalizerInfo mean_only_norm_info();
NormalizerInfo weight_std_info();
NormalizerInfo spectral_norm_info();
// end family1

const KindRegistry<NormalizerInfo>& normalizer_registry() {
  static const KindRegistry<NormalizerInfo> registry("normalizer", {
                                                                       batch_norm_info(),
                                                                       layer_norm_info(),
                                                                       instance_norm_info(),
                                                                       group_norm_info(),
                                                                       weight_norm_info(),
                                                                       identity_info(),
                                                                       // family1 (issue 10)
                                                                       rms_norm_info(),
                                                                       batch_renorm_info(),
                                                                       mean_only_norm_info(),
                                                                       weight_std_info(),
                                                                       spectral_norm_info(),
                                                                       // end family1
                                                                   });
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
