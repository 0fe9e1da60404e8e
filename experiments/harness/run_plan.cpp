#include "experiments/harness/run_plan.hpp"

#include <map>

#include <fmt/format.h>

#include "experiments/harness/config_keys.hpp"

namespace normlab {

namespace {

using Assignment = std::map<std::string, ConfigValue>;

RunConfig make_run(std::size_t index, std::size_t total, const Assignment& a, const std::vector<std::string>& columns) {
  RunConfig run;
  run.index = index;
  const int width = std::max<int>(4, static_cast<int>(std::to_string(total == 0 ? 0 : total - 1).size()));
  run.id = fmt::format("r{:0{}}", index, width);

  run.model.model = a.at("model").text;
  run.model.norm = a.at("norm").text;
  run.model.placement = a.at("placement").text;
  run.model.bias = a.at("bias").text;
  run.model.init = a.at("init").text;
  run.data = a.at("data").text;

  TrainOptions& t = run.train;
  t.batch_size = static_cast<std::size_t>(a.at("batch_size").integer);
  t.lr = a.at("lr").as_double();
  if (a.at("lr_scaling").text == "linear")
    t.lr = t.lr * double(t.batch_size) / double(a.at("lr_reference_batch").integer);
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
  t.drop_last = a.at("drop_last").boolean;
  t.loss = a.at("loss").text;
  t.seed = static_cast<std::uint64_t>(a.at("seed").integer);

  for (const auto& column : columns) {
    if (column == "lr")
      run.column_values.push_back(shortest_number(t.lr));
    else if (a.count(column))
      run.column_values.push_back(a.at(column).display());
    else
      run.column_values.push_back("");  // steps or epochs, whichever is not used
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
  std::size_t total = 1;
  for (const auto& axis : config.axes) total *= axis.values.size();

  // Odometer over the axes, the last axis turning fastest.
  std::vector<std::size_t> position(config.axes.size(), 0);
  for (std::size_t index = 0; index < total; ++index) {
    Assignment a;
    for (std::size_t k = 0; k < config.axes.size(); ++k) a[config.axes[k].key] = config.axes[k].values[position[k]];
    plan.runs.push_back(make_run(index, total, a, plan.columns));
    for (std::size_t k = config.axes.size(); k-- > 0;) {
      if (++position[k] < config.axes[k].values.size()) break;
      position[k] = 0;
    }
  }
  return plan;
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
