#include "experiments/harness/combination_checks.hpp"

#include <map>
#include <set>
#include <tuple>

#include "experiments/data/make_dataset.hpp"
#include "norms/core/errors.hpp"

namespace normlab {

std::string small_data_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  std::string out = spec.substr(0, colon) + ":train=16,test=16";
  if (colon == std::string::npos) return out;
  const std::string rest = spec.substr(colon + 1);
  for (std::size_t start = 0; start < rest.size();) {
    std::size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    const std::string item = rest.substr(start, comma - start);
    start = comma + 1;
    const std::string key = item.substr(0, item.find('='));
    const auto first = key.find_first_not_of(" \t"), last = key.find_last_not_of(" \t");
    const std::string trimmed = first == std::string::npos ? "" : key.substr(first, last - first + 1);
    if (trimmed.empty() || trimmed == "train" || trimmed == "test") continue;
    out += "," + item;
  }
  return out;
}

void check_run_combinations(const SweepConfig& config, const RunPlan& plan) {
  std::map<std::string, std::pair<Shape, std::size_t>> shapes;  // data spec -> (sample shape, classes)
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>> built;
  for (const auto& run : plan.runs) {
    if (!shapes.count(run.data)) {
      try {
        const Dataset small = make_dataset(small_data_spec(run.data), run.train.seed);
        shapes[run.data] = {small.sample_shape, small.num_classes};
      } catch (const InputError& e) {
        throw InputError(config.file + ": key 'data': " + e.what());
      }
    }
    const ModelOptions& m = run.model;
    if (!built.insert({run.data, m.model, m.norm, m.placement, m.bias, m.init}).second) continue;
    try {
      Rng rng = Rng::stream(0, "init");
      build_model<float>(m, shapes[run.data].first, shapes[run.data].second, rng);
    } catch (const InputError& e) {
      throw InputError(config.file + ": run " + run.id + " (model " + m.model + ", norm " + m.norm + ", placement " +
                       m.placement + ", data " + run.data + ") cannot be built: " + e.what());
    }
  }
}

}  // namespace normlab
