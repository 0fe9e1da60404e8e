// What `normlab list` prints: every family's registry, as text or as JSON (`list --json`, which
// the Python scripts read instead of keeping their own lists of kinds).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "norms/core/kind_registry.hpp"

namespace normlab::cli {

struct FamilyListing {
  std::string family;      // the registry's family name: "normalizer", "model", ...
  std::string config_key;  // the sweep key that takes its specs: "norm", "model", ...
  std::string title;       // the heading of the text listing
  std::vector<const KindInfo*> kinds;
  // The JSON members of a kind's traits (`"role": "activation", ...`), or "" for families without.
  std::function<std::string(std::size_t index)> traits_json;
  // The same in words for the text listing ("activation; batch statistics, running buffers"), or "".
  std::function<std::string(std::size_t index)> traits_text;
};

// Every family, normalizers first.
std::vector<FamilyListing> all_listings();

void print_text(std::ostream& out, const FamilyListing& family);
void print_json(std::ostream& out, const std::vector<FamilyListing>& families);

}  // namespace normlab::cli
