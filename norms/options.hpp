// Value checks shared by the normalizers' option parsers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "norms/core/spec.hpp"

namespace normlab {

// eps > 0: with eps = 0 a constant channel would divide by zero.
inline double positive_eps(const Spec& spec) {
  const double eps = spec.get_double("eps");
  if (!(eps > 0)) spec.fail("eps", "must be > 0 (a zero-variance input would divide by zero)");
  return eps;
}

// momentum in [0, 1], or none for the cumulative average.
inline std::optional<double> momentum_or_none(const Spec& spec) {
  const auto m = spec.get_optional_double("momentum");
  if (m && (*m < 0 || *m > 1)) spec.fail("momentum", "must be in [0, 1], or none for a cumulative average");
  return m;
}

// The keys of the normalizers with running statistics (batch, instance), PyTorch's names; only
// the defaults of affine and track_running_stats differ between them.
inline std::vector<KeyInfo> running_stats_keys(bool affine, bool track_running_stats) {
  return {{"eps", "1e-5", "added to the variance"},
          {"momentum", "0.1", "running-statistics factor, or none for a cumulative average"},
          {"affine", affine ? "true" : "false", "learnable per-channel weight (γ) and bias (β)"},
          {"track_running_stats", track_running_stats ? "true" : "false",
           "keep running_mean/running_var and use them in evaluation"}};
}

// The options those keys give, parsed and checked.
struct RunningStatsOptions {
  double eps;
  std::optional<double> momentum;  // none: cumulative average
  bool affine, track_running_stats;

  static RunningStatsOptions parse(const Spec& spec) {
    return {positive_eps(spec), momentum_or_none(spec), spec.get_bool("affine"),
            spec.get_bool("track_running_stats")};
  }
};

inline std::string bool_string(bool b) {
  return b ? "true" : "false";
}
std::string format_number(double v);  // shortest round-trip form, e.g. 1e-05, 0.1

}  // namespace normlab
