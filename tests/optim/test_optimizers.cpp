// Optimizers against PyTorch's trajectories and schedules against their formulas.
//
// The expected parameter values are printed by tests/optim/torch_reference.py (torch 1.13,
// float64): three steps from p0 = [0.5, -1, 2] with gradient [0.1 t, -0.2, 0.3 t (-1)^t] at step t.
#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/optim/optimizer.hpp"
#include "experiments/optim/schedule.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;

namespace {

using Trajectory = std::vector<std::array<double, 3>>;

// shape: the parameter's shape, (3) or (1, 3); the weight-decay groups depend on its rank.
void check_trajectory(const std::string& spec, double lr, const Trajectory& expected,
                      const Shape& shape = {3}) {
  INFO(spec << " on a parameter of shape " << shape_string(shape));
  Tensor<double> p = Tensor<double>::from_shape(shape), grad = Tensor<double>::from_shape(shape);
  const std::array<double, 3> p0 = {0.5, -1.0, 2.0};
  std::copy(p0.begin(), p0.end(), p.data());
  auto optimizer = make_optimizer<double>(spec, {{"weight", &p, &grad}});
  for (std::size_t t = 1; t <= expected.size(); ++t) {
    const std::array<double, 3> g = {0.1 * double(t), -0.2, 0.3 * double(t) * (t % 2 ? -1.0 : 1.0)};
    std::copy(g.begin(), g.end(), grad.data());
    optimizer->step(lr);
    for (std::size_t j = 0; j < 3; ++j)
      CHECK(p.data()[j] == Approx(expected[t - 1][j]).epsilon(1e-13));
  }
}

// torch's trajectories with weight decay, shared by the decay_1d test (a matrix keeps them).
const Trajectory kSgdDecayed = {{0.4895, -0.979, 2.028},
                                {0.46980525, -0.9496105, 2.022186},
                                {0.436845072375, -0.9126851447500001, 2.060942307}};
const Trajectory kAdamwDecayed = {{0.47500019999800003, -0.9700000999995, 1.9999999333335556},
                                  {0.4506035237348563, -0.940300198999005, 1.9715798952962018},
                                  {0.42627208464032573, -0.9108972970085149, 1.959582407092057}};

}  // namespace

TEST_CASE("SGD follows torch.optim.SGD") {
  check_trajectory("sgd", 0.1, {{0.49, -0.98, 2.03}, {0.47, -0.96, 1.9699999999999998}, {0.44, -0.94, 2.06}});
  check_trajectory("sgd:momentum=0.9", 0.1,
                   {{0.49, -0.98, 2.03},
                    {0.46099999999999997, -0.942, 1.9969999999999999},
                    {0.4048999999999999, -0.8877999999999999, 2.0572999999999997}});
  check_trajectory("sgd:momentum=0.9,dampening=0.5,weight_decay=0.01", 0.1, kSgdDecayed);
  check_trajectory("sgd:momentum=0.9,nesterov=true,weight_decay=0.1", 0.05,
                   {{0.48575, -0.9715, 2.0095},
                    {0.456060375, -0.93112075, 1.9374597500000001},
                    {0.4076930139375, -0.880305527875, 1.9757604073750001}});
}

TEST_CASE("Adam follows torch.optim.Adam") {
  check_trajectory("adam", 0.01,
                   {{0.4900000009999999, -0.9900000005, 2.009999999666667},
                    {0.4803481813521253, -0.9800000010000001, 2.0063389644734784},
                    {0.47076816955448425, -0.9700000015000001, 2.0097713752234494}});
  check_trajectory("adam:beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.1", 0.01,
                   {{0.4900000666662222, -0.9900000333332222, 2.009999900001},
                    {0.48003853015793263, -0.9800018517094137, 2.00299936881262},
                    {0.46999344438709667, -0.9700066324483546, 2.003814321187199}});
}

TEST_CASE("AdamW follows torch.optim.AdamW") {
  check_trajectory("adamw", 0.01,
                   {{0.4899500009999999, -0.9899000005, 2.009799999666667},
                    {0.48024918635202535, -0.9798010109999501, 2.005937984473512},
                    {0.4706211496357491, -0.9697030313988502, 2.0091698014250357}});
  check_trajectory("adamw:beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.5", 0.02, kAdamwDecayed);
}

TEST_CASE("decay_1d=false exempts parameters of fewer than two dims from weight decay, as nanoGPT's groups") {
  // The trajectories above: with decay for a (1, 3) matrix, without it for a (3) vector.
  check_trajectory("sgd:momentum=0.9,dampening=0.5,weight_decay=0.01,decay_1d=false", 0.1, kSgdDecayed,
                   {1, 3});
  check_trajectory("adamw:beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.5,decay_1d=false", 0.02, kAdamwDecayed,
                   {1, 3});
  // A vector takes the trajectory of weight_decay=0 (torch.optim.SGD(momentum=0.9, dampening=0.5)
  // and torch.optim.Adam(betas=(0.8, 0.99), eps=1e-6) from tests/optim/torch_reference.py).
  check_trajectory("sgd:momentum=0.9,dampening=0.5,weight_decay=0.01,decay_1d=false", 0.1,
                   {{0.49, -0.98, 2.03},
                    {0.471, -0.952, 2.0269999999999997},
                    {0.43889999999999996, -0.9168, 2.0692999999999997}});
  check_trajectory("adamw:beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.5,decay_1d=false", 0.02,
                   {{0.48000019999800003, -0.9800000999995, 2.0199999333335557},
                    {0.4603535257348363, -0.960000199999, 2.0115798946295373},
                    {0.4405281218776543, -0.9400002999985, 2.0192982053783544}});
}

TEST_CASE("a float optimizer updates every parameter it was given") {
  Tensor<float> w = {1.0f, 2.0f}, dw = {1.0f, 1.0f}, b = {0.0f}, db = {-1.0f};
  auto sgd = make_optimizer<float>("sgd", {{"0.weight", &w, &dw}, {"0.bias", &b, &db}});
  sgd->step(0.5);
  CHECK(w(0) == 0.5f);
  CHECK(w(1) == 1.5f);
  CHECK(b(0) == 0.5f);
}

TEST_CASE("optimizer specs are validated") {
  CHECK_NOTHROW(validate_optimizer_spec("sgd:momentum=0.9,nesterov=true,weight_decay=5e-4"));
  CHECK_NOTHROW(validate_optimizer_spec("adamw:weight_decay=0.1"));
  CHECK_THROWS_WITH(validate_optimizer_spec("rmsprop"), Catch::Contains("sgd, adam, adamw"));
  CHECK_THROWS_WITH(validate_optimizer_spec("sgd:nesterov=true"), Catch::Contains("momentum > 0"));
  CHECK_THROWS_WITH(validate_optimizer_spec("sgd:momentum=1"), Catch::Contains("[0, 1)"));
  CHECK_THROWS_WITH(validate_optimizer_spec("adam:eps=0"), Catch::Contains("> 0"));
  CHECK_THROWS_WITH(validate_optimizer_spec("adam:beta3=0.1"), Catch::Contains("beta3"));
  CHECK_THROWS_AS(validate_optimizer_spec("sgd:weight_decay=-1"), InputError);
}

TEST_CASE("schedules give their formulas' learning rates") {
  const Schedule constant = make_schedule("constant", 0.1, 100);
  CHECK(constant.lr(0) == 0.1);
  CHECK(constant.lr(99) == 0.1);

  const Schedule step = make_schedule("step:step_size=10,gamma=0.5", 0.2, 100);
  CHECK(step.lr(0) == Approx(0.2).epsilon(1e-15));
  CHECK(step.lr(9) == Approx(0.2).epsilon(1e-15));
  CHECK(step.lr(10) == Approx(0.1).epsilon(1e-15));
  CHECK(step.lr(25) == Approx(0.05).epsilon(1e-15));

  const Schedule cosine = make_schedule("cosine:min_lr=0.01", 0.11, 100);
  CHECK(cosine.lr(0) == Approx(0.11).epsilon(1e-15));
  CHECK(cosine.lr(50) == Approx(0.06).epsilon(1e-14));  // half way: the mean of 0.11 and 0.01
  CHECK(cosine.lr(25) == Approx(0.01 + 0.1 * (1 + std::cos(M_PI / 4)) / 2).epsilon(1e-14));
  CHECK(cosine.lr(100) == Approx(0.01).epsilon(1e-14));

  // Warm-up: base_lr * (step + 1) / warmup, then the schedule counted from the end of warm-up.
  const Schedule warm = make_schedule("cosine:warmup=10", 1.0, 110);
  CHECK(warm.lr(0) == Approx(0.1).epsilon(1e-15));
  CHECK(warm.lr(4) == Approx(0.5).epsilon(1e-15));
  CHECK(warm.lr(9) == Approx(1.0).epsilon(1e-15));
  CHECK(warm.lr(10) == Approx(1.0).epsilon(1e-15));
  CHECK(warm.lr(60) == Approx(0.5).epsilon(1e-14));
  const Schedule warm_step = make_schedule("step:step_size=5,warmup=4", 1.0, 50);
  CHECK(warm_step.lr(3) == Approx(1.0).epsilon(1e-15));
  CHECK(warm_step.lr(8) == Approx(1.0).epsilon(1e-15));
  CHECK(warm_step.lr(9) == Approx(0.1).epsilon(1e-15));
}

TEST_CASE("schedule specs are validated") {
  CHECK_NOTHROW(validate_schedule_spec("cosine:min_lr=0.001,warmup=100"));
  CHECK_THROWS_WITH(validate_schedule_spec("step"), Catch::Contains("step_size"));
  CHECK_THROWS_WITH(validate_schedule_spec("linear"), Catch::Contains("constant, step, cosine"));
  CHECK_THROWS_WITH(validate_schedule_spec("step:step_size=0"), Catch::Contains(">= 1"));
  CHECK_THROWS_AS(validate_schedule_spec("constant:warmup=-3"), InputError);
  CHECK_THROWS_AS(make_schedule("constant", std::nan(""), 10), InputError);
}
