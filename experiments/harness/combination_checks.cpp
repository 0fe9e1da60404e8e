#include "experiments/harness/combination_checks.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "experiments/data/make_dataset.hpp"
#include "experiments/harness/run_footprint.hpp"
#include "experiments/models/model_registry.hpp"
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
    double elements = 0;                 // of both splits together
  };
  std::map<std::string, DataFacts> shapes;  // data spec -> facts
  using ModelKey = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
  std::map<ModelKey, ModelFootprint> built;
  const double memory = physical_memory_bytes();
  for (const auto& run : plan.runs) {
    if (!run.train.probes.probes.empty() && run.checkpoint_every > 0)
      throw InputError(config.file + ": run " + run.label + ": probes and checkpoint_every cannot be combined (a " +
                       "checkpoint does not hold probe records); set checkpoint_every = 0 or probes = []");
    if (run.ranks > 1) {
      const std::string source = config.find("ranks") ? config.find("ranks")->source : config.file;
      if (run.train.batch_size % run.ranks != 0)
        throw InputError(source + ": run " + run.label + ": batch_size " + std::to_string(run.train.batch_size) +
                         " is not a multiple of ranks = " + std::to_string(run.ranks) +
                         " (every rank takes batch_size/ranks samples); use a batch_size divisible by ranks");
      if (run.checkpoint_every > 0 || !run.train.probes.probes.empty() || run.train.precise_bn > 0)
        throw InputError(source + ": run " + run.label + ": checkpoint_every, probes and precise_bn are not "
                         "supported in data-parallel runs (ranks > 1); leave them at their defaults there");
    }
    if (!shapes.count(run.data)) {
      try {
        // Generated data: a 16-sample copy tells the shapes, the spec the size. Data from files is
        // read whole (a few MB), so that a count the files do not hold is an error now, not in a run.
        const Spec spec = dataset_registry().parse(run.data);
        const bool generated = dataset_registry().find(spec.kind()).traits.generated;
        const Dataset data = make_dataset(generated ? small_data_spec(run.data) : run.data, run.train.seed);
        const std::size_t train = generated ? std::size_t(spec.get_int("train")) : data.train.size();
        const double test = generated ? double(spec.get_int("test")) : double(data.test.size());
        shapes[run.data] = {data.sample_shape, data.num_classes, train,
                            (double(train) + test) * double(shape_product(data.sample_shape))};
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
    const DataOrder& order = run.train.order;
    const std::size_t order_limit = std::min(facts.classes, run.train.batch_size);
    if (order.kind == DataOrder::Kind::class_blocks && order.classes_per_batch > order_limit)
      throw InputError((config.find("order") ? config.find("order")->source : config.file) +
                       ": key 'order': " + data_order_name(order) +
                       " asks for more classes per batch than data " + run.data + " (" +
                       std::to_string(facts.classes) + " classes) in batches of " +
                       std::to_string(run.train.batch_size) +
                       " can hold; use class_blocks:K with K <= " + std::to_string(order_limit));
    const ModelOptions& m = run.model;
    const std::string what = "the runs with model " + m.model + ", norm " + m.norm +
                             (m.reparam == "none" ? "" : ", reparam " + m.reparam) + ", placement " + m.placement +
                             ", data " + run.data;
    const ModelKey key{run.data, m.model, m.norm, m.reparam, m.placement, m.bias, m.init};
    if (!built.count(key)) {
      // Refuse an impossible model from its spec before allocating it.
      const Spec model_spec = model_registry().check(m.model);
      const auto& bound = model_registry().find(model_spec.kind()).traits.parameter_bound;
      if (bound) {
        ModelFootprint estimate;
        estimate.parameters = bound(model_spec, facts.sample_shape, facts.classes);
        if (run_bytes(estimate, 0, 0) > memory)
          throw InputError(config.file + ": " + what + ": the model has up to " +
                           fmt::format("{:.3g}", estimate.parameters) + " parameters, which need about " +
                           gib(run_bytes(estimate, 0, 0)) + " with their gradients and optimizer state; this machine "
                           "has " + gib(memory) + " (use smaller widths)");
      }
      try {
        Rng rng = Rng::stream(0, "init");
        Model<float> model = build_model<float>(m, facts.sample_shape, facts.classes, rng);
        built[key] = model_footprint(model, facts.sample_shape);
      } catch (const InputError& e) {
        throw InputError(config.file + ": " + what + " cannot be built: " + e.what());
      } catch (const std::bad_alloc&) {
        throw InputError(config.file + ": " + what + ": the model does not fit in this machine's memory (" +
                         gib(memory) + "); use smaller widths");
      }
    }
    const double bytes = run_bytes(built[key], run.train.batch_size, facts.elements);
    if (bytes > memory)
      throw InputError(config.file + ": " + what + ", batch_size " + std::to_string(run.train.batch_size) +
                       " would need about " + gib(bytes) + " of memory; this machine has " + gib(memory) +
                       " (use a smaller model, batch or data set)");
  }
}

}  // namespace normlab
