#include "experiments/cli/sweep_setup.hpp"

#include "experiments/harness/combination_checks.hpp"
#include "experiments/harness/spec_checks.hpp"
#include "norms/core/errors.hpp"

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
  return "(" + std::to_string(plan.combinations) +
         " combinations: placement does not apply to the identity, weight reparameterizations and normalizers "
         "that include their activation, so their pre and post runs are one run, placement=n/a)";
}

}  // namespace normlab::cli
