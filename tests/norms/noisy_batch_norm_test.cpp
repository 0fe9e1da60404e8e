// Noisy batch norm (batch:noise_shift=..,noise_scale=..; norms/channel_noise.hpp): in training the
// output is a per-channel affine map s_c·BN(x) + m_c of plain batch norm's with s_c in
// [1, 1 + noise_scale] and |m_c| <= noise_shift, new at every forward and a function of (seed,
// noise_step) alone; evaluation is plain batch norm times the mean scale 1 + noise_scale/2; every gradient
// agrees with central differences in double (with the noise held, noise_step restored before each forward).
#include <catch2/catch.hpp>

#include <cmath>

#include "finite_differences.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

Tensor<double> input(std::uint64_t salt) {
  Tensor<double> x = Tensor<double>::from_shape({4, 3, 5});
  for (std::size_t i = 0; i < x.size(); ++i)
    x.data()[i] = std::sin(double(i) * 0.37 + double(salt)) * 2 + 0.1 * double(i % 3);
  return x;
}

}  // namespace

TEST_CASE("noisy batch norm is a fresh per-channel affine map of batch norm at every training step") {
  const Tensor<double> x = input(1);
  auto plain = make_normalizer<double>("batch", {4, 3, 5});
  auto noisy = make_normalizer<double>("batch:noise_shift=0.5,noise_scale=0.8", {4, 3, 5});
  REQUIRE(noisy->has_random_state());
  REQUIRE_FALSE(plain->has_random_state());
  noisy->reseed(42);
  Tensor<double> y0, y1, y2;
  plain->forward(x, y0, Mode::train);
  noisy->forward(x, y1, Mode::train);
  noisy->forward(x, y2, Mode::train);
  CHECK((noisy->buffer("noise_step")(0) == 2));
  bool differs = false;
  for (std::size_t c = 0; c < 3; ++c) {
    // s and m from two entries of the channel; every other entry must follow them.
    const double p0 = y0(0, c, 0), p1 = y0(1, c, 2), n0 = y1(0, c, 0), n1 = y1(1, c, 2);
    const double s = (n1 - n0) / (p1 - p0), m = n0 - s * p0;
    CHECK((s >= 1));
    CHECK((s <= 1.8));
    CHECK((std::abs(m) <= 0.5));
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 5; ++j)
        CHECK(y1(i, c, j) == Approx(s * y0(i, c, j) + m).epsilon(1e-12));
    differs = differs || std::abs(y2(0, c, 0) - y1(0, c, 0)) > 1e-6;
  }
  CHECK(differs);  // the second step drew other noise
  // Same seed and count: the same noise.
  auto twin = make_normalizer<double>("batch:noise_shift=0.5,noise_scale=0.8", {4, 3, 5});
  twin->reseed(42);
  Tensor<double> t1;
  twin->forward(x, t1, Mode::train);
  CHECK(bool(t1 == y1));
  // Evaluation: plain batch norm with the same running statistics, times the noise's mean scale.
  Tensor<double> e_plain, e_noisy;
  plain->forward(x, e_plain, Mode::train);  // two training forwards each, as `noisy`
  plain->forward(x, e_plain, Mode::eval);
  noisy->forward(x, e_noisy, Mode::eval);
  for (std::size_t i = 0; i < x.size(); ++i)
    CHECK(e_noisy.data()[i] == Approx(1.4 * e_plain.data()[i]).epsilon(1e-14));
}

TEST_CASE("noisy batch norm's gradients agree with central differences in double") {
  Tensor<double> x = input(2);
  auto norm = make_normalizer<double>("batch:noise_shift=0.3,noise_scale=0.5", {4, 3, 5});
  norm->reseed(7);
  norm->parameter("weight") = Tensor<double>({1.5, 0.7, -0.4});
  norm->parameter("bias") = Tensor<double>({0.1, -0.2, 0.3});
  Tensor<double> r = input(3), y, dx;
  // The loss Σ y·r with the noise of one fixed step: noise_step restored before every forward.
  auto loss = [&]() {
    norm->buffer("noise_step")(0) = 5;
    norm->forward(x, y, Mode::train);
    return weighted_sum(y, r);
  };
  loss();
  norm->zero_grad();
  norm->backward(x, r, dx);
  const Tensor<double> dgamma = *norm->parameters()[0].grad, dbeta = *norm->parameters()[1].grad;
  CHECK(check_against_differences(loss, x, dx, "dx") == x.size());
  check_against_differences(loss, norm->parameter("weight"), dgamma, "dweight");
  check_against_differences(loss, norm->parameter("bias"), dbeta, "dbias");
}

TEST_CASE("noisy batch norm's keys are checked") {
  CHECK_THROWS_WITH(normalizer_registry().check("batch:noise_shift=-1"), Catch::Contains("noise_shift"));
  CHECK_THROWS_WITH(make_normalizer<double>("batch:noise_scale=-0.5", {4, 3, 5}),
                    Catch::Contains("noise_scale"));
}
