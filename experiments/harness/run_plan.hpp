// The expansion of a sweep into runs: the Cartesian product of the axes, as nested loops over the
// keys in config_keys() order (norm outermost, ... seed, model, data, ..., lr_reference_batch
// innermost), each axis's values in the order given. Run i gets the id "r" + i zero-padded to
// four digits (more when there are more than 10,000 runs), so ids sort in run order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "experiments/harness/sweep_config.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/trainer.hpp"

namespace normlab {

struct RunConfig {
  std::size_t index = 0;
  std::string id;  // "r0007"
  // The runs.csv configuration columns of this run, as text (lr after lr_scaling; steps or
  // epochs empty when the other one is used), in the order of RunPlan::columns.
  std::vector<std::string> column_values;
  ModelOptions model;
  TrainOptions train;
  std::string data;  // dataset spec
};

struct RunPlan {
  std::vector<std::string> columns;  // configuration columns of runs.csv (after run_id)
  std::vector<RunConfig> runs;
};

RunPlan expand_sweep(const SweepConfig& config);

// "norm=batch placement=pre seed=1": the columns of `run` whose axis has more than one value.
std::string describe_run(const RunPlan& plan, const SweepConfig& config, const RunConfig& run);

}  // namespace normlab
