#include "experiments/cli/listing.hpp"

namespace normlab::cli {

// Families are added here as experiments/ grows (models, datasets, optimizers, schedules).
std::vector<std::pair<std::string, std::vector<KindListing>>> experiment_listings() { return {}; }

}  // namespace normlab::cli
