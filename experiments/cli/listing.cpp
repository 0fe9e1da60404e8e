#include "experiments/cli/listing.hpp"

#include "experiments/data/make_dataset.hpp"
#include "experiments/init/init.hpp"
#include "experiments/losses/loss.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"

namespace normlab::cli {

// Families are added here as experiments/ grows (models, datasets, optimizers, schedules).
std::vector<std::pair<std::string, std::vector<KindInfo>>> experiment_listings() {
  std::vector<std::pair<std::string, std::vector<KindInfo>>> families;
  families.emplace_back("models (--model)", model_registry());
  families.emplace_back("initializations (--init)", init_registry());
  families.emplace_back("datasets (data)", dataset_kinds());
  families.emplace_back("optimizers (optimizer; the learning rate is lr)", optimizer_kinds());
  families.emplace_back("learning-rate schedules (schedule)", schedule_kinds());
  families.emplace_back("losses (loss)",
                        std::vector<KindInfo>{{"cross_entropy", "softmax cross-entropy from logits (stable)", {}},
                                                 {"mse", "mean squared error against one-hot targets", {}}});

  return families;
}

}  // namespace normlab::cli
