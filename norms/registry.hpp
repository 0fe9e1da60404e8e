// The registry of normalizers, keyed by kind. A new normalizer is one new file that defines its
// NormalizerInfo, plus one line in registry.cpp; it is then available to `normlab apply`,
// `normlab list`, sweeps, the model builder, benchmarks, plots and the test loops, which all
// iterate this registry and ask its traits instead of comparing kind names.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "norms/core/kind_registry.hpp"
#include "norms/normalizer.hpp"

namespace normlab {

// What a normalizer does in a model.
enum class NormRole {
  activation,  // normalizes a layer's output: the model builder inserts it as a layer
  weight,      // reparameterizes a layer's weight (out, *in): the layer computes its weight through it
  identity,    // does nothing: the ablation baseline
};
const char* role_name(NormRole role);  // "activation", "weight", "identity"

struct NormalizerTraits {
  NormRole role = NormRole::activation;
  // Training-mode output of a sample depends on the other samples of its batch.
  bool batch_statistics = false;
  // Keeps running estimates (with its default keys) that evaluation mode uses.
  bool running_buffers = false;
  // Smallest input rank: 2 for (N, C), 3 for normalizers that need spatial dims.
  std::size_t min_rank = 2;
  // A weight reparameterization: a layer names its raw, unnormalized weight weight_<this> (PyTorch:
  // "v" for weight_norm's weight_v, "orig" for spectral_norm's weight_orig; "" keeps "weight") and
  // the normalizer's own parameters and buffers weight_<name> (weight_g).
  std::string raw_weight_name;
  // Spec variants that every test loop (gradients, parity, bad input, thread count) exercises,
  // the first the typical one; each must accept inputs with 4 channels (or a (4, ...) weight).
  std::vector<std::string> examples;
  // Whether a spec's normalizer includes its activation (FRN with its TLU, EvoNorm): the model
  // builder then adds no activation after it, and placement does not apply. Empty: never. Agrees
  // with Normalizer::includes_activation() of the normalizers it builds (tested).
  std::function<bool(const Spec&)> includes_activation;
};

template <class T>
using NormalizerFactory = std::function<std::unique_ptr<Normalizer<T>>(const Spec&, const Shape&)>;

using NormalizerInfo = KindEntry<PerDtype<NormalizerFactory>, NormalizerTraits>;

// Options for a normalizer without keys.
struct NoOptions {
  static NoOptions parse(const Spec&) { return {}; }
};

// The NormalizerInfo of a class template Norm<T> built as Norm<T>(Options::parse(spec), shape);
// Options::parse checks every value, so it also serves as the shape-free value check.
template <template <class> class Norm, class Options>
NormalizerInfo normalizer_info(std::string kind, std::string doc, std::vector<KeyInfo> keys, NormalizerTraits traits) {
  NormalizerInfo info;
  info.kind = std::move(kind);
  info.doc = std::move(doc);
  info.keys = std::move(keys);
  info.validate = [](const Spec& spec) { Options::parse(spec); };
  info.make.for_float = [](const Spec& spec, const Shape& shape) -> std::unique_ptr<Normalizer<float>> {
    return std::make_unique<Norm<float>>(Options::parse(spec), shape);
  };
  info.make.for_double = [](const Spec& spec, const Shape& shape) -> std::unique_ptr<Normalizer<double>> {
    return std::make_unique<Norm<double>>(Options::parse(spec), shape);
  };
  if (traits.examples.empty()) traits.examples = {info.kind};
  info.traits = std::move(traits);
  return info;
}

// Every registered normalizer, in a fixed order (the order of `normlab list`, plots and tables).
const KindRegistry<NormalizerInfo>& normalizer_registry();

// The traits of a spec's kind (InputError for an unknown kind or a bad spec).
const NormalizerTraits& normalizer_traits(const std::string& spec);

// Builds a normalizer from a spec for inputs shaped like `example_shape` (N is free; for a
// weight reparameterization, the weight tensor's shape). Spec and shape errors are InputErrors.
template <class T>
std::unique_ptr<Normalizer<T>> make_normalizer(const std::string& spec, const Shape& example_shape);

// Checks a spec's kind, keys and values without building anything (for configuration checks).
void validate_normalizer_spec(const std::string& spec);

}  // namespace normlab
