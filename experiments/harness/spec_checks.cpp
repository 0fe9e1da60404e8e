#include "experiments/harness/spec_checks.hpp"

#include <filesystem>
#include <functional>
#include <map>

#include "experiments/data/data_order.hpp"
#include "experiments/data/make_dataset.hpp"
#include "experiments/init/init.hpp"
#include "experiments/models/model_builder.hpp"
#include "experiments/models/model_registry.hpp"
#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"
#include "experiments/train/probes/probe_registry.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

// A path given in a dataset spec must exist (validators of real datasets check the files).
void check_data_path(const std::string& spec_text) {
  const Spec spec = Spec::parse(spec_text, "dataset");
  if (spec.has("path") && !std::filesystem::exists(spec.raw("path")))
    throw InputError("dataset '" + spec_text + "': path '" + spec.raw("path") +
                     "' does not exist (relative paths are from the current directory)");
}

}  // namespace

void check_sweep_specs(const SweepConfig& config) {
  // Each spec key is checked by its family's registry (kind, keys and values).
  const std::map<std::string, std::function<void(const std::string&)>> validators = {
      {"norm", validate_normalizer_spec},
      {"reparam", check_reparam_spec},
      {"data", [](const std::string& spec) { check_data_path(spec), validate_dataset_spec(spec); }},
      {"model", [](const std::string& spec) { model_registry().check(spec); }},
      {"init", [](const std::string& spec) { init_registry().check(spec); }},
      {"optimizer", [](const std::string& spec) { optimizer_registry().check(spec); }},
      {"schedule", [](const std::string& spec) { schedule_registry().check(spec); }},
      {"probes", [](const std::string& spec) { check_probe_list({spec}); }},
      {"order", [](const std::string& spec) { parse_data_order(spec); }},
  };
  for (const auto& axis : config.axes) {
    const auto found = validators.find(axis.key);
    if (found == validators.end()) continue;
    for (const auto& value : axis.values) {
      try {
        if (value.kind == ConfigValue::Kind::List) {
          for (const auto& item : value.items) found->second(item.text);
          if (axis.key == "probes") {  // each probe at most once in a run
            std::vector<std::string> specs;
            for (const auto& item : value.items) specs.push_back(item.text);
            check_probe_list(specs);
          }
        } else
          found->second(value.text);
      } catch (const InputError& e) {
        throw InputError(axis.source + ": key '" + axis.key + "': " + e.what());
      }
    }
  }
}

}  // namespace normlab
