// Helpers of the family facts tests (family_*_test.cpp, issue 10): exact and rounding-level
// comparisons of everything a normalizer produces, the message of an expected InputError, and
// per-channel moments computed plainly in double.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "norms/core/errors.hpp"
#include "test_support.hpp"

namespace normlab::testing {

constexpr Tolerance kExact{0, 0};

// Differences of one rounding of the output (float) or of a few double operations.
template <class T>
Tolerance rounding() {
  return sizeof(T) == 4 ? Tolerance{2e-6, 2e-6} : Tolerance{1e-12, 1e-12};
}

template <class T>
void check_same_results(const Results<T>& got, const Results<T>& expected, Tolerance tol) {
  REQUIRE(got.size() == expected.size());
  for (const auto& [name, tensor] : expected) {
    INFO("output " << name);
    REQUIRE(got.count(name) == 1);
    CHECK(describe_mismatch(got.at(name), tensor, tol) == "");
  }
}

// Per-channel mean and biased variance in double, in the plainest order; x: (N, C, S).
struct ChannelMoments {
  std::vector<double> mean, var;
};
template <class T>
ChannelMoments channel_moments_of(const Tensor<T>& x) {
  const std::size_t N = x.shape()[0], C = x.shape()[1], S = shape_product(shape_of(x), 2);
  ChannelMoments m{std::vector<double>(C, 0.0), std::vector<double>(C, 0.0)};
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t s = 0; s < S; ++s)
        m.mean[c] += double(x.data()[(n * C + c) * S + s]);
    m.mean[c] /= double(N * S);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t s = 0; s < S; ++s) {
        const double d = double(x.data()[(n * C + c) * S + s]) - m.mean[c];
        m.var[c] += d * d;
      }
    m.var[c] /= double(N * S);
  }
  return m;
}

template <class T>
Tensor<T> vector_tensor(const std::vector<double>& v) {
  Tensor<T> t = Tensor<T>::from_shape({v.size()});
  for (std::size_t i = 0; i < v.size(); ++i)
    t.data()[i] = T(v[i]);
  return t;
}

}  // namespace normlab::testing
