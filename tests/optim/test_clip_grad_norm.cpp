// clip_grad_norm against torch.nn.utils.clip_grad_norm_'s formula: the global norm over every
// parameter, gradients scaled by max_norm / (norm + 1e-6) only when that is below 1; and the
// sweep key reaching the trainer (it changes results, so it is part of a run's identity only
// when given).
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/optim/clip_grad_norm.hpp"

using namespace normlab;

TEST_CASE("clip_grad_norm scales every gradient by max_norm / (global norm + 1e-6)") {
  Tensor<double> a = Tensor<double>::from_shape({2}), ga = a, b = Tensor<double>::from_shape({1}), gb = b;
  ga.data()[0] = 3;
  ga.data()[1] = 0;
  gb.data()[0] = 4;  // global norm 5
  std::vector<ParameterRef<double>> params{{"a", &a, &ga}, {"b", &b, &gb}};
  CHECK(clip_grad_norm(params, 10.0) == 5.0);
  CHECK(ga.data()[0] == 3);  // below the limit: unchanged
  CHECK(clip_grad_norm(params, 1.0) == 5.0);
  const double c = 1.0 / (5.0 + 1e-6);
  CHECK(ga.data()[0] == Approx(3 * c).epsilon(1e-15));
  CHECK(gb.data()[0] == Approx(4 * c).epsilon(1e-15));
  CHECK(std::hypot(ga.data()[0], gb.data()[0]) < 1.0);
  Tensor<float> z = Tensor<float>::from_shape({3}), gz = z;
  gz.fill(0);
  std::vector<ParameterRef<float>> zero{{"z", &z, &gz}};
  CHECK(clip_grad_norm(zero, 1.0) == 0.0);  // a zero gradient stays zero (no 0/0)
  CHECK(gz.data()[0] == 0.0f);
}
