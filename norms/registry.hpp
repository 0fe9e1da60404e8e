// The registry of normalizers, keyed by kind. A new normalizer is one new file that defines a
// NormalizerInfo, plus one line in registry.cpp; it is then available to `normlab apply`,
// `normlab list`, sweeps, benchmarks and tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "norms/normalizer.hpp"
#include "norms/spec.hpp"

namespace normlab {

template <class T>
using NormalizerFactory = std::function<std::unique_ptr<Normalizer<T>>(const Spec&, const Shape&)>;

struct NormalizerInfo {
  std::string kind;
  std::string doc;  // one line
  std::vector<KeyInfo> keys;
  NormalizerFactory<float> make_float;
  NormalizerFactory<double> make_double;
  std::function<void(const Spec&)> check_values;  // value checks that need no input shape
};

// Options for a normalizer without keys.
struct NoOptions {
  static NoOptions parse(const Spec&) { return {}; }
};

// The NormalizerInfo of a class template Norm<T> built as Norm<T>(Options::parse(spec), shape);
// Options::parse checks every value, so it also serves as the shape-free value check.
template <template <class> class Norm, class Options>
NormalizerInfo normalizer_info(std::string kind, std::string doc, std::vector<KeyInfo> keys) {
  return {std::move(kind),
          std::move(doc),
          std::move(keys),
          [](const Spec& spec, const Shape& shape) -> std::unique_ptr<Normalizer<float>> {
            return std::make_unique<Norm<float>>(Options::parse(spec), shape);
          },
          [](const Spec& spec, const Shape& shape) -> std::unique_ptr<Normalizer<double>> {
            return std::make_unique<Norm<double>>(Options::parse(spec), shape);
          },
          [](const Spec& spec) { Options::parse(spec); }};
}

// Every registered normalizer, in a fixed order.
const std::vector<NormalizerInfo>& normalizer_registry();
const NormalizerInfo& find_normalizer(const std::string& kind);  // InputError listing kinds

// Builds a normalizer from a spec for inputs shaped like `example_shape` (N is free; for
// weight normalization, the weight tensor's shape). Spec and shape errors are InputErrors.
template <class T>
std::unique_ptr<Normalizer<T>> make_normalizer(const std::string& spec, const Shape& example_shape);

// Checks a spec's kind, keys and values without building anything (for configuration checks).
void validate_normalizer_spec(const std::string& spec);

}  // namespace normlab
