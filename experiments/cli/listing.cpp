#include "experiments/cli/listing.hpp"

#include "experiments/init/init.hpp"
#include "experiments/models/model_registry.hpp"

namespace normlab::cli {

// Families are added here as experiments/ grows (models, datasets, optimizers, schedules).
std::vector<std::pair<std::string, std::vector<KindListing>>> experiment_listings() {
  std::vector<std::pair<std::string, std::vector<KindListing>>> families;

  std::vector<KindListing> models;
  for (const auto& info : model_registry()) models.push_back({info.kind, info.doc, info.keys});
  families.emplace_back("models (--model)", models);

  std::vector<KindListing> inits;
  for (const auto& info : init_registry()) inits.push_back({info.kind, info.doc, info.keys});
  families.emplace_back("initializations (--init)", inits);

  return families;
}

}  // namespace normlab::cli
