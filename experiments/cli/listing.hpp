// What `normlab list` prints for the experiment-side families (models, datasets, optimizers,
// schedules, initializations); each family registers its kinds in listing.cpp.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "norms/spec.hpp"

namespace normlab::cli {

std::vector<std::pair<std::string, std::vector<KindInfo>>> experiment_listings();
void print_kinds(std::ostream& out, const std::string& family, const std::vector<KindInfo>& kinds);

}  // namespace normlab::cli
