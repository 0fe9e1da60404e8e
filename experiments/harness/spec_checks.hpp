// Checks every spec value of a sweep (norm, model, init, data, optimizer, schedule) with the
// validator of its family before anything runs, so that a typo fails in a second with exit 2
// rather than as a failed run an hour later. Messages name the file (or --set), the key and the
// family's own explanation of what is allowed.
#pragma once

#include "experiments/harness/sweep_config.hpp"

namespace normlab {

void check_sweep_specs(const SweepConfig& config);

}  // namespace normlab
