// The model kinds with their spec keys, for build_model and `normlab list`.
#pragma once

#include <string>
#include <vector>

#include "norms/spec.hpp"

namespace normlab {

using ModelInfo = KindInfo;
const std::vector<ModelInfo>& model_registry();

// Parses and validates a model spec against its kind's keys; InputError listing the kinds.
Spec parse_model_spec(const std::string& text);

// "128x64" -> {128, 64}; "none" -> {} (no hidden layer). Each width must be >= 1.
std::vector<std::size_t> parse_widths(const Spec& spec, const std::string& key);

}  // namespace normlab
