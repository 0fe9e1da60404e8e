#include "experiments/train/probes/probe_registry.hpp"

#include <set>

#include <fmt/format.h>

namespace normlab {

std::vector<double> default_probe_lrs() {
  return {0.05, 0.1, 0.2, 0.5, 1, 2, 4};
}

const KindRegistry<ProbeInfo>& probe_registry() {
  static const KindRegistry<ProbeInfo> registry(
      "probe", {ics_info(), landscape_info(), predictiveness_info(), layer_norms_info(), sharpness_info(),
                init_gradients_info()});
  return registry;
}

std::vector<Spec> check_probe_list(const std::vector<std::string>& specs) {
  std::vector<Spec> parsed;
  std::set<std::string> kinds;
  for (const std::string& text : specs) {
    parsed.push_back(probe_registry().check(text));
    if (!kinds.insert(parsed.back().kind()).second)
      throw InputError("probe '" + parsed.back().kind() + "' is listed twice; give each probe once");
  }
  return parsed;
}

std::string at_multiple(const std::string& stat, double multiple) {
  return stat + "@" + fmt::format("{}", multiple);
}

}  // namespace normlab
