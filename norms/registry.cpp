#include "norms/registry.hpp"

#include "norms/errors.hpp"

namespace normlab {

// One line per normalizer; each is defined in its own file.
NormalizerInfo batch_norm_info();
NormalizerInfo layer_norm_info();
NormalizerInfo instance_norm_info();
NormalizerInfo group_norm_info();
NormalizerInfo weight_norm_info();
NormalizerInfo identity_info();

const std::vector<NormalizerInfo>& normalizer_registry() {
  static const std::vector<NormalizerInfo> registry = {
      batch_norm_info(), layer_norm_info(),  instance_norm_info(),
      group_norm_info(), weight_norm_info(), identity_info(),
  };
  return registry;
}

const NormalizerInfo& find_normalizer(const std::string& kind) {
  return find_kind(normalizer_registry(), kind, "normalizer");
}

namespace {

Spec parsed_spec(const std::string& text) { return parse_spec_of(text, "normalizer", normalizer_registry()); }

}  // namespace

template <>
std::unique_ptr<Normalizer<float>> make_normalizer<float>(const std::string& text, const Shape& shape) {
  const Spec spec = parsed_spec(text);
  return find_normalizer(spec.kind()).make_float(spec, shape);
}

template <>
std::unique_ptr<Normalizer<double>> make_normalizer<double>(const std::string& text, const Shape& shape) {
  const Spec spec = parsed_spec(text);
  return find_normalizer(spec.kind()).make_double(spec, shape);
}

void validate_normalizer_spec(const std::string& text) {
  const Spec spec = parsed_spec(text);
  find_normalizer(spec.kind()).check_values(spec);
}

}  // namespace normlab
