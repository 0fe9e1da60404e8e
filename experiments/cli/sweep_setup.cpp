#include "experiments/cli/sweep_setup.hpp"

#include "experiments/harness/combination_checks.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "experiments/models/model_registry.hpp"
#include "norms/core/errors.hpp"
#include "norms/core/spec.hpp"

namespace normlab::cli {

CheckedSweep load_checked_sweep(const Args& args) {
  CheckedSweep sweep{load_sweep_config(args.get("CONFIG"), args.all("set"), args.flag_set("quick")), {}};
  check_sweep_specs(sweep.config);
  sweep.plan = expand_sweep(sweep.config);
  check_run_combinations(sweep.config, sweep.plan);
  return sweep;
}

std::string output_dir(const Args& args, const SweepConfig& config) {
  const std::string out =
      args.has("out") ? args.get("out") : "runs/" + config.name + (config.quick ? "-quick" : "");
  if (out.empty()) throw InputError("--out: an empty path; give a directory, e.g. --out runs/" + config.name);
  return out;
}

std::string merged_combinations_note(const RunPlan& plan) {
  if (plan.combinations <= plan.runs.size()) return "";
  std::vector<std::string> fixed_sites;  // the model kinds that place their normalizers themselves
  for (const auto& info : model_registry().entries())
    if (!info.traits.placement_applies) fixed_sites.push_back(info.kind);
  return "(" + std::to_string(plan.combinations) +
         " combinations: placement does not apply to the identity, weight reparameterizations, normalizers "
         "that include their activation and models with fixed normalizer sites (" +
         join(fixed_sites, ", ") + "), so their pre and post runs are one run, placement=n/a)";
}

}  // namespace normlab::cli
