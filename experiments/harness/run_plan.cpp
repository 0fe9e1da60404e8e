#include "experiments/harness/run_plan.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

#include "experiments/data/data_order.hpp"
#include "experiments/harness/config_keys.hpp"
#include "experiments/harness/run_identity.hpp"
#include "experiments/models/model_registry.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

using Assignment = std::map<std::string, ConfigValue>;

RunConfig make_run(std::size_t index, const Assignment& a, const std::vector<std::string>& columns) {
  RunConfig run;
  run.index = index;

  run.model.model = a.at("model").text;
  run.model.norm = a.at("norm").text;
  run.model.reparam = a.at("reparam").text;
  run.model.placement = a.at("placement").text;
  run.model.bias = a.at("bias").text;
  run.model.init = a.at("init").text;
  run.data = a.at("data").text;
  run.dtype = a.at("dtype").text;
  run.ranks = static_cast<std::size_t>(a.at("ranks").integer);

  TrainOptions& t = run.train;
  t.batch_size = static_cast<std::size_t>(a.at("batch_size").integer);
  t.lr = a.at("lr").as_double();
  if (a.at("lr_scaling").text == "linear")
    t.lr = t.lr * double(t.batch_size) / double(a.at("lr_reference_batch").integer);
  t.order = parse_data_order(a.at("order").text);
  t.optimizer = a.at("optimizer").text;
  t.schedule = a.at("schedule").text;
  if (a.count("steps")) {
    t.steps = static_cast<std::size_t>(a.at("steps").integer);
    t.epochs = 0;
  } else {
    t.steps = 0;
    t.epochs = a.at("epochs").as_double();
  }
  t.eval_every = static_cast<std::size_t>(a.at("eval_every").integer);
  t.log_every = static_cast<std::size_t>(a.at("log_every").integer);
  t.stats_every = static_cast<std::size_t>(a.at("stats_every").integer);
  t.precise_bn = static_cast<std::size_t>(a.at("precise_bn").integer);
  t.probes.probes.clear();
  for (const auto& item : a.at("probes").items) t.probes.probes.push_back(item.text);
  t.probes.every = static_cast<std::size_t>(a.at("probe_every").integer);
  t.probes.lrs.clear();
  for (const auto& item : a.at("probe_lrs").items) t.probes.lrs.push_back(item.as_double());
  t.drop_last = a.at("drop_last").boolean;
  if (a.count("clip_grad_norm")) t.clip_grad_norm = a.at("clip_grad_norm").as_double();
  t.loss = a.at("loss").text;
  t.seed = static_cast<std::uint64_t>(a.at("seed").integer);
  if (a.count("checkpoint_every")) run.checkpoint_every = static_cast<std::size_t>(a.at("checkpoint_every").integer);

  // Every key as the run uses it: lr after lr_scaling, the unused one of steps/epochs left out.
  // The identity leaves out keys at their default value, so that a key added to normlab later
  // (with a default that keeps today's behaviour) does not change the ids of stored runs;
  // changing what a default means is a change of kResultVersion.
  // Placement is where an activation normalizer sits relative to its activation; for the identity,
  // weight reparameterizations and normalizers that include their activation it changes nothing,
  // so their pre and post runs are one run. Nor does it in a model kind that fixes its normalizer
  // sites (ModelTraits::placement_applies, the lstm), where only placement none (no normalizer)
  // is another model.
  // (A kind the registry does not know, as the harness tests' stand-in models, is left to the
  // spec checks and the run.)
  const NormalizerTraits& traits = normalizer_traits(run.model.norm);
  const std::string model_kind = Spec::parse(run.model.model, "model").kind();
  const bool model_places =
      !model_registry().contains(model_kind) || model_registry().find(model_kind).traits.placement_applies;
  const bool placement_applies = traits.role == NormRole::activation &&
                                 !(traits.includes_activation &&
                                   traits.includes_activation(normalizer_registry().parse(run.model.norm))) &&
                                 (model_places || run.model.placement == "none");
  KeyValues values, identity;
  for (const auto& key : config_keys()) {
    if (key.name != "lr" && !a.count(key.name)) continue;
    ConfigValue value = key.name == "lr" ? ConfigValue::float_value(t.lr) : a.at(key.name);
    if (key.name == "placement" && !placement_applies) value = ConfigValue::string(kPlacementNotApplicable);
    values.emplace_back(key.name, key.name == "lr" ? shortest_number(t.lr) : value.display());
    // lr_scaling and its reference batch only say how lr was computed: the rate used is the identity.
    const bool folded_into_lr = key.name == "lr_scaling" || key.name == "lr_reference_batch";
    // A checkpointed run resumes to exactly the uninterrupted run's results (tests/harness/
    // checkpoint_resume_test.cpp), so checkpoint_every is never part of the identity, at any value:
    // turning checkpoints on reuses the finished run and vice versa.
    const bool not_result_affecting = key.name == "checkpoint_every";
    if (value.toml() != key.default_value && !folded_into_lr && !not_result_affecting) identity.push_back(values.back());
  }
  run.settings = values;
  run.canonical = canonical_config(identity);
  run.id = run_id_of(run.canonical);
  for (const auto& column : columns) {
    std::string value;  // steps or epochs, whichever is not used, stays empty
    for (const auto& [key, text] : values)
      if (key == column) value = text;
    run.column_values.push_back(value);
  }
  return run;
}

}  // namespace

RunPlan expand_sweep(const SweepConfig& config) {
  RunPlan plan;
  for (const auto& key : config_keys()) {
    const SweepAxis* axis = config.find(key.name);
    if (key.always_column || (axis && axis->values.size() > 1)) plan.columns.push_back(key.name);
  }
  const std::size_t total = checked_run_count(config);
  plan.combinations = total;

  // Odometer over the axes, the last axis turning fastest.
  std::vector<std::size_t> position(config.axes.size(), 0);
  std::set<std::string> ids;
  for (std::size_t combination = 0; combination < total; ++combination) {
    Assignment a;
    for (std::size_t k = 0; k < config.axes.size(); ++k) a[config.axes[k].key] = config.axes[k].values[position[k]];
    RunConfig run = make_run(plan.runs.size(), a, plan.columns);
    if (ids.insert(run.id).second) plan.runs.push_back(std::move(run));  // a combination that is an earlier run: once
    for (std::size_t k = config.axes.size(); k-- > 0;) {
      if (++position[k] < config.axes[k].values.size()) break;
      position[k] = 0;
    }
  }
  for (auto& run : plan.runs) run.label = describe_run(plan, config, run);
  return plan;
}

std::string view_id_of(const RunPlan& plan) {
  std::string ids;
  for (const auto& run : plan.runs) ids += run.id + "\n";
  return run_id_of(ids);
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto number = [&](const std::string& part) -> long {
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stol(part);
  };
  const long index = slash == std::string::npos ? -1 : number(text.substr(0, slash));
  const long count = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
  if (index < 0 || count < 1)
    throw InputError("--shard '" + text + "': expected I/N with integers 0 <= I < N, e.g. 0/4");
  if (index >= count) throw InputError("--shard '" + text + "': I must be less than N (shards are 0.." +
                                       std::to_string(count - 1) + " of " + std::to_string(count) + ")");
  return {std::size_t(index), std::size_t(count)};
}

RunPlan shard_of(const RunPlan& plan, const Shard& shard) {
  RunPlan part;
  part.columns = plan.columns;
  part.combinations = plan.combinations;
  for (const auto& run : plan.runs)
    if (run.index % shard.count == shard.index) part.runs.push_back(run);
  return part;
}

std::size_t checked_run_count(const SweepConfig& config) {
  std::size_t total = 1;
  std::string axes;
  for (const auto& axis : config.axes) {
    if (axis.values.size() < 2) continue;
    axes += (axes.empty() ? "" : " x ") + axis.key + " (" + std::to_string(axis.values.size()) + ")";
    if (total > kMaxRuns / axis.values.size())
      throw InputError(config.file + ": the sweep has more than " + std::to_string(kMaxRuns) + " runs (" + axes +
                       " ...); split it into several sweeps or fewer values");
    total *= axis.values.size();
  }
  return total;
}

std::string describe_run(const RunPlan& plan, const SweepConfig& config, const RunConfig& run) {
  std::string out;
  for (std::size_t c = 0; c < plan.columns.size(); ++c) {
    const SweepAxis* axis = config.find(plan.columns[c]);
    const bool varies = axis && axis->values.size() > 1;
    const SweepAxis* scaling = config.find("lr_scaling");
    const bool scaled_lr = plan.columns[c] == "lr" && scaling && scaling->values.size() == 1 &&
                           scaling->values[0].text == "linear";
    if (!varies && !scaled_lr) continue;
    out += (out.empty() ? "" : " ") + plan.columns[c] + "=" + run.column_values[c];
  }
  return out.empty() ? "(single run)" : out;
}

}  // namespace normlab
