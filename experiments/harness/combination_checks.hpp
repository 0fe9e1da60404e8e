// Checks that every run's model can be built for its data (instance normalization needs spatial
// dimensions, a resnet needs 32x32 inputs, group normalization needs a group count that divides
// every layer's channels, ...) before anything runs: each distinct combination of model, norm,
// placement, bias and init is built once per distinct data spec, on a 16-sample version of the
// data that has the same sample shape and classes. A failure is a configuration error (exit 2).
#pragma once

#include "experiments/harness/run_plan.hpp"
#include "experiments/harness/sweep_config.hpp"

namespace normlab {

void check_run_combinations(const SweepConfig& config, const RunPlan& plan);

// The data spec with train=16,test=16 (same kind and other keys: same shape and classes).
std::string small_data_spec(const std::string& spec);

}  // namespace normlab
