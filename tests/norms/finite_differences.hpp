// Central differences of a scalar loss for the family facts tests, whose functions are not the
// registry loop's "forward in a mode" (ghost batches, batch renorm with r and d frozen, spectral
// norm with u and v held): the same step and tolerance as gradient_check_test.cpp.
#pragma once

#include <cmath>
#include <functional>

#include <catch2/catch.hpp>

#include "norms/core/tensor.hpp"

namespace normlab::testing {

constexpr double kFdStep = 1e-6;
constexpr double kFdTolerance = 1e-6;

// Σ y·r
inline double weighted_sum(const Tensor<double>& y, const Tensor<double>& r) {
  double total = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    total += y.data()[i] * r.data()[i];
  return total;
}

// Checks analytic[i] against the central difference of loss() in values[i], for every i; values
// are restored afterwards. Returns the number of entries checked.
inline std::size_t check_against_differences(const std::function<double()>& loss, Tensor<double>& values,
                                             const Tensor<double>& analytic, const char* what) {
  REQUIRE(values.size() == analytic.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    double& v = values.data()[i];
    const double saved = v;
    v = saved + kFdStep;
    const double up = loss();
    v = saved - kFdStep;
    const double down = loss();
    v = saved;
    const double numeric = (up - down) / (2 * kFdStep), a = analytic.data()[i];
    INFO(what << " at flat index " << i << ": numeric " << numeric << ", analytic " << a);
    CHECK(std::abs(numeric - a) <= kFdTolerance * (1 + std::abs(a)));
  }
  return values.size();
}

}  // namespace normlab::testing
