// The probe family: every instrument a run can switch on (sweep key `probes`), with its keys,
// doc and traits, on the one KindRegistry mechanism (`normlab list` prints it).
#pragma once

#include <functional>
#include <memory>

#include "experiments/train/probes/probe.hpp"
#include "norms/core/kind_registry.hpp"

namespace normlab {

template <class T>
using ProbeFactory = std::function<std::unique_ptr<Probe<T>>(const Spec& spec, Model<T>& model)>;

struct ProbeTraits {
  // Needs the parameters after the optimizer step (ICS): called by after_update.
  bool after_update = false;
  // Reads the layers' inputs of the step's own forward: runs before any probe's passes.
  bool reads_step_activations = false;
  // Measures the initialization: called at the first step only, whatever probe_every says.
  bool first_step_only = false;
};

using ProbeInfo = KindEntry<PerDtype<ProbeFactory>, ProbeTraits>;
const KindRegistry<ProbeInfo>& probe_registry();

// One line per probe kind; each is defined in its own file.
ProbeInfo ics_info();
ProbeInfo landscape_info();
ProbeInfo predictiveness_info();
ProbeInfo layer_norms_info();
ProbeInfo sharpness_info();
ProbeInfo init_gradients_info();

// Each spec checked by the registry (kind, keys, values), and each kind at most once; returns the
// parsed specs. InputError naming the bad spec otherwise.
std::vector<Spec> check_probe_list(const std::vector<std::string>& specs);

// "loss@0.5": a stat at eta = 0.5 × lr (landscape, predictiveness), built once per grid point.
std::string at_multiple(const std::string& stat, double multiple);

}  // namespace normlab
