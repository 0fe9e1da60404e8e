// The expansion of a sweep into runs: the Cartesian product of the axes, as nested loops over the
// keys in config_keys() order (norm outermost, ... seed, model, data, ..., lr_reference_batch
// innermost), each axis's values in the order given. A run's id is its content (run_identity.hpp);
// its label names the values of the swept keys ("norm=batch seed=1").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "experiments/harness/sweep_config.hpp"
#include "experiments/models/model.hpp"
#include "experiments/train/trainer.hpp"

namespace normlab {

// The placement column of runs whose normalizer has no placement (the identity, weight
// reparameterizations) or whose model fixes its normalizer sites (lstm): their pre and post runs
// are the same run, trained once.
inline const char* const kPlacementNotApplicable = "n/a";

struct RunConfig {
  std::size_t index = 0;  // position in the sweep (the tables' order)
  std::string id;         // content hash, e.g. "3fa9c2d41b7e08a5" (run_identity.hpp)
  std::string label;      // the swept keys' values, e.g. "norm=batch placement=pre seed=1"
  std::string canonical;  // the fully resolved configuration the id hashes
  std::vector<std::pair<std::string, std::string>> settings;  // every key as used, config_keys() order
  // The runs.csv configuration columns of this run, as text (lr after lr_scaling; steps or
  // epochs empty when the other one is used), in the order of RunPlan::columns.
  std::vector<std::string> column_values;
  ModelOptions model;
  TrainOptions train;
  std::string data;  // dataset spec
  std::string dtype = "float32";  // float32 | float64: the model's floating-point type
  std::size_t ranks = 1;          // data-parallel processes (experiments/harness/data_parallel.hpp)
  // checkpoint_every: kept beside the configuration, not in it, as it does not change the result.
  std::size_t checkpoint_every = 0;
  std::string checkpoint_file;  // set by the sweep runner for the run function when checkpoint_every > 0
};

struct RunPlan {
  std::vector<std::string> columns;  // configuration columns of runs.csv (after run_id and label)
  std::vector<RunConfig> runs;
  std::size_t combinations = 0;  // of the axes' values; more than runs when some are the same run
};

RunPlan expand_sweep(const SweepConfig& config);

// "norm=batch placement=pre seed=1": the columns of `run` whose axis has more than one value (run.label).
std::string describe_run(const RunPlan& plan, const SweepConfig& config, const RunConfig& run);

// A hash of the plan's run ids in order: which runs a view shows (manifest.json "view").
std::string view_id_of(const RunPlan& plan);

// A shard of a sweep, "I/N": the runs whose index modulo N is I (0 <= I < N), so that every shard
// gets a share of each part of the sweep. InputError naming the text otherwise.
struct Shard {
  std::size_t index = 0, count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};
Shard parse_shard(const std::string& text);
RunPlan shard_of(const RunPlan& plan, const Shard& shard);

// The number of runs a configuration expands to, computed before anything is expanded; an
// InputError naming the axes when it exceeds kMaxRuns.
constexpr std::size_t kMaxRuns = 100000;
std::size_t checked_run_count(const SweepConfig& config);

}  // namespace normlab
