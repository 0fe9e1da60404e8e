// Value checks shared by the normalizers' option parsers.
#pragma once

#include <optional>
#include <string>

#include "norms/spec.hpp"

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

inline std::string bool_string(bool b) { return b ? "true" : "false"; }
std::string format_number(double v);  // shortest round-trip form, e.g. 1e-05, 0.1

}  // namespace normlab
