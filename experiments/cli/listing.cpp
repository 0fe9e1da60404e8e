#include "experiments/cli/listing.hpp"

#include "experiments/data/make_dataset.hpp"
#include "experiments/init/init.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"

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

  std::vector<KindListing> datasets;
  for (const auto& info : dataset_kinds()) datasets.push_back({info.kind, info.doc, info.keys});
  families.emplace_back("datasets (data)", datasets);

  std::vector<KindListing> optimizers;
  for (const auto& info : optimizer_kinds()) optimizers.push_back({info.kind, info.doc, info.keys});
  families.emplace_back("optimizers (optimizer; the learning rate is lr)", optimizers);

  std::vector<KindListing> schedules;
  for (const auto& info : schedule_kinds()) schedules.push_back({info.kind, info.doc, info.keys});
  families.emplace_back("learning-rate schedules (schedule)", schedules);

  families.emplace_back("losses (loss)",
                        std::vector<KindListing>{{"cross_entropy", "softmax cross-entropy from logits (stable)", {}},
                                                 {"mse", "mean squared error against one-hot targets", {}}});

  return families;
}

}  // namespace normlab::cli
