// The model kinds: their spec keys, docs and builders, for build_model, validation and `normlab
// list`. Each kind's builder (mlp.cpp, vgg.cpp, resnet.cpp) appends its layers through the
// placement builder, starting from builder.shape().
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "norms/core/kind_registry.hpp"
#include "norms/core/tensor.hpp"

namespace normlab {

template <class T>
class ModelBuilder;

template <class T>
using ModelFactory = std::function<void(ModelBuilder<T>& builder, const Spec& spec, std::size_t num_classes)>;

struct ModelTraits {
  // Resolves the input shape and class count from the spec where the kind has keys for them
  // (mlp's in= and out=); empty for kinds whose sizes come from the data alone. sample_shape and
  // num_classes hold what the data says (empty / 0 when unknown) and are updated in place.
  std::function<void(const Spec& spec, Shape& sample_shape, std::size_t& num_classes)> resolve_sizes;
  std::string input_key, classes_key;  // the keys resolve_sizes reads, for messages ("in", "out")
  // An upper bound of the learnable values (weights, biases, normalizer parameters) of the model
  // for samples of sample_shape, from the spec alone, so that validation can refuse an impossible
  // model before allocating it.
  std::function<double(const Spec& spec, const Shape& sample_shape, std::size_t num_classes)> parameter_bound;
  // Whether placement pre and post build different models of this kind: false where the kind
  // fixes its normalizer sites itself (lstm), so that a sweep trains its pre and post runs once,
  // as placement=n/a. Placement none (no normalizer) stays a model of its own either way.
  bool placement_applies = true;
};

using ModelInfo = KindEntry<PerDtype<ModelFactory>, ModelTraits>;
const KindRegistry<ModelInfo>& model_registry();

// Parses and validates a model spec against its kind's keys; InputError listing the kinds.
Spec parse_model_spec(const std::string& text);

// "128x64" -> {128, 64}; "64x32*3" -> {64, 32, 32, 32}; "none" -> {} (no hidden layer). Each width
// must be >= 1; at most 10,000 layers.
std::vector<std::size_t> parse_widths(const Spec& spec, const std::string& key);

}  // namespace normlab
