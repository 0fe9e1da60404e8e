// The cases that the norms test loops run: every registered normalizer (norms/registry.hpp) with
// every example spec its registry entry declares, on the loop's shapes that the kind accepts
// (rank >= min_rank). Loops built on it cover a newly registered normalizer with no edit here.
#pragma once

#include <string>
#include <vector>

#include "norms/registry.hpp"

namespace normlab::testing {

struct NormCase {
  const NormalizerInfo* info;
  std::string spec;
  Shape shape;
};

inline bool accepts_rank(const NormalizerInfo& info, const Shape& shape) { return shape.size() >= info.traits.min_rank; }

// Every kind × example spec × shape (examples: all of them, or only the first).
inline std::vector<NormCase> registry_cases(const std::vector<Shape>& shapes, bool all_examples = true) {
  std::vector<NormCase> cases;
  for (const NormalizerInfo& info : normalizer_registry())
    for (std::size_t e = 0; e < (all_examples ? info.traits.examples.size() : 1); ++e)
      for (const Shape& shape : shapes)
        if (accepts_rank(info, shape)) cases.push_back({&info, info.traits.examples[e], shape});
  return cases;
}

}  // namespace normlab::testing
