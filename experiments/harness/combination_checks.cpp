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
  struct DataFacts {
    Shape sample_shape;
    std::size_t classes = 0, train = 0;  // train: the training samples the run will have
  };
  std::map<std::string, DataFacts> shapes;  // data spec -> facts
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>> built;
  for (const auto& run : plan.runs) {
    if (!shapes.count(run.data)) {
      try {
        // Generated data: a 16-sample copy tells the shapes, the spec the size. Data from files is
        // read whole (a few MB), so that a count the files do not hold is an error now, not in a run.
        const Spec spec = dataset_registry().parse(run.data);
        const bool generated = dataset_registry().find(spec.kind()).traits.generated;
        const Dataset data = make_dataset(generated ? small_data_spec(run.data) : run.data, run.train.seed);
        const std::size_t train = generated ? std::size_t(spec.get_int("train")) : data.train.size();
        shapes[run.data] = {data.sample_shape, data.num_classes, train};
      } catch (const InputError& e) {
        const SweepAxis* axis = config.find("data");
        throw InputError((axis ? axis->source : config.file) + ": key 'data': " + e.what());
      }
    }
    const DataFacts& facts = shapes[run.data];
    if (run.train.batch_size > facts.train)
      throw InputError((config.find("batch_size") ? config.find("batch_size")->source : config.file) +
                       ": key 'batch_size': batch_size " + std::to_string(run.train.batch_size) +
                       " is larger than the " + std::to_string(facts.train) + " training samples of data " + run.data +
                       "; use a batch_size <= " + std::to_string(facts.train));
    const ModelOptions& m = run.model;
    if (!built.insert({run.data, m.model, m.norm, m.reparam, m.placement, m.bias, m.init}).second) continue;
    try {
      Rng rng = Rng::stream(0, "init");
      build_model<float>(m, facts.sample_shape, facts.classes, rng);
    } catch (const InputError& e) {
      throw InputError(config.file + ": the runs with model " + m.model + ", norm " + m.norm + ", reparam " + m.reparam + ", placement " +
                       m.placement + ", data " + run.data + " cannot be built: " + e.what());
    }
  }
}

}  // namespace normlab
