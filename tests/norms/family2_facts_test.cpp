// The facts that distinguish FRN, EvoNorm-B0, EvoNorm-S0 and Switchable Normalization (issue 10),
// beyond what the registry loops (gradients, contract, parity, bad input, thread count) check:
//   - Switchable with its softmax weights all on one kind equals that kind (to rounding);
//   - FRN's output for a sample does not depend on the rest of the batch;
//   - EvoNorm-B0 evaluates with running_var, which training updates exactly as `batch` does;
//   - EvoNorm-S0 with v = 0 is x/2/σ_G·γ + β;
//   - bad values and shapes are one-line InputErrors;
//   - a constant input (zero variance) gives finite outputs and gradients.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "norms/core/errors.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

using Catch::Contains;

// Sets every (C) parameter `name` that both normalizers have to the same values.
void share_affine(Normalizer<double>& a, Normalizer<double>& b, const std::string& seed) {
  set_nontrivial_state(a, seed);
  for (const std::string name : {"weight", "bias"})
    b.set(name, a.parameter(name));
}

Tensor<double> logits(double in, double ln, double bn) {
  Tensor<double> t = Tensor<double>::from_shape({3});
  t.data()[0] = in, t.data()[1] = ln, t.data()[2] = bn;
  return t;
}

std::string make_error(const std::string& spec, const Shape& shape) {
  return input_error([&] { make_normalizer<double>(spec, shape); });
}

bool all_finite(const Tensor<double>& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t.data()[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("switchable with the softmax weight on one kind equals that kind", "[family2]") {
  const Shape shape{3, 4, 5, 2};
  const Tensor<double> x = random_tensor<double>(shape, "f2/sn/x", 0.3, 1.7);
  const Tensor<double> dy = random_tensor<double>(shape, "f2/sn/dy");
  // Logits 30 vs 0: the other kinds keep weights e^-30 ≈ 1e-13, far below the tolerance.
  const Tolerance tol{1e-10, 1e-10};
  struct OneKind {
    const char* spec;
    Tensor<double> logit;
  };
  for (const OneKind& one :
       {OneKind{"instance:affine=true", logits(30, 0, 0)},
        OneKind{"group:num_groups=1", logits(0, 30, 0)},  // layer statistics, per-channel affine
        OneKind{"batch", logits(0, 0, 30)}})
    for (Mode mode : {Mode::train, Mode::eval}) {
      INFO(one.spec << ", " << (mode == Mode::train ? "train" : "eval"));
      auto sn = make_normalizer<double>("switchable", shape);
      auto other = make_normalizer<double>(one.spec, shape);
      share_affine(*sn, *other, "f2/sn");
      sn->set("mean_weight", one.logit);
      sn->set("var_weight", one.logit);
      // Evaluation: the batch part uses the running statistics, as batch norm does.
      if (std::string(one.spec) == "batch")
        for (const std::string name : {"running_mean", "running_var"})
          other->set(name, sn->buffer(name));
      Results<double> got = run_normalizer(*sn, x, dy, mode);
      Results<double> expected = run_normalizer(*other, x, dy, mode);
      for (const std::string name : {"y", "dx", "dweight", "dbias"}) {
        INFO(name);
        CHECK(describe_mismatch(got[name], expected[name], tol) == "");
      }
      if (std::string(one.spec) == "batch" && mode == Mode::train)
        for (const std::string name : {"running_mean", "running_var", "num_batches_tracked"}) {
          INFO(name);
          CHECK(describe_mismatch(got[name], expected[name], tol) == "");
        }
      // The softmax's gradient vanishes with its weight saturated: e^-30-sized, not O(1).
      for (const std::string name : {"dmean_weight", "dvar_weight"})
        for (std::size_t k = 0; k < 3; ++k)
          CHECK(std::abs(got[name].data()[k]) < 1e-9);
    }
}

TEST_CASE("switchable with equal logits mixes the three kinds equally", "[family2]") {
  // The default logits (1, 1, 1): mean = (μ_in + μ_ln + μ_bn)/3, checked by a plain loop on (N, C, S).
  const Shape shape{2, 3, 4};
  const Tensor<double> x = random_tensor<double>(shape, "f2/sn3/x", 0.3, 1.7);
  auto sn = make_normalizer<double>("switchable", shape);
  Tensor<double> y;
  sn->forward(x, y, Mode::train);
  const std::size_t N = 2, C = 3, S = 4;
  auto at = [&](std::size_t n, std::size_t c, std::size_t s) { return x.data()[(n * C + c) * S + s]; };
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c) {
      double m_in = 0, m_ln = 0, m_bn = 0, v_in = 0, v_ln = 0, v_bn = 0;
      for (std::size_t s = 0; s < S; ++s)
        m_in += at(n, c, s) / S;
      for (std::size_t k = 0; k < C; ++k)
        for (std::size_t s = 0; s < S; ++s)
          m_ln += at(n, k, s) / (C * S);
      for (std::size_t k = 0; k < N; ++k)
        for (std::size_t s = 0; s < S; ++s)
          m_bn += at(k, c, s) / (N * S);
      for (std::size_t s = 0; s < S; ++s)
        v_in += std::pow(at(n, c, s) - m_in, 2) / S;
      for (std::size_t k = 0; k < C; ++k)
        for (std::size_t s = 0; s < S; ++s)
          v_ln += std::pow(at(n, k, s) - m_ln, 2) / (C * S);
      for (std::size_t k = 0; k < N; ++k)
        for (std::size_t s = 0; s < S; ++s)
          v_bn += std::pow(at(k, c, s) - m_bn, 2) / (N * S);
      const double mean = (m_in + m_ln + m_bn) / 3, var = (v_in + v_ln + v_bn) / 3;
      for (std::size_t s = 0; s < S; ++s)
        CHECK(std::abs(y.data()[(n * C + c) * S + s] - (at(n, c, s) - mean) / std::sqrt(var + 1e-5)) < 1e-12);
    }
}

TEST_CASE("frn: a sample's output and gradient do not depend on the rest of the batch", "[family2]") {
  for (const Shape& shape : {Shape{4, 4, 3, 3}, Shape{6, 4}}) {
    INFO(shape_string(shape));
    const std::size_t per_sample = shape_product(shape, 1);
    const Tensor<double> x = random_tensor<double>(shape, "f2/frn/x", 0.3, 1.7);
    const Tensor<double> dy = random_tensor<double>(shape, "f2/frn/dy");
    Tensor<double> other_x = random_tensor<double>(shape, "f2/frn/other", -2.0, 5.0);
    Tensor<double> other_dy = random_tensor<double>(shape, "f2/frn/other_dy");
    for (std::size_t i = 0; i < per_sample; ++i)
      other_x.data()[i] = x.data()[i], other_dy.data()[i] = dy.data()[i];
    auto a = make_normalizer<double>("frn", shape);
    auto b = make_normalizer<double>("frn", shape);
    set_nontrivial_state(*a, "f2/frn");
    set_nontrivial_state(*b, "f2/frn");
    Results<double> ra = run_normalizer(*a, x, dy, Mode::train);
    Results<double> rb = run_normalizer(*b, other_x, other_dy, Mode::train);
    for (const std::string name : {"y", "dx"})
      for (std::size_t i = 0; i < per_sample; ++i) {
        INFO(name << " at " << i);
        CHECK(ra[name].data()[i] == rb[name].data()[i]);  // bit for bit
      }
    // No batch statistics and no running buffers: evaluation is the same computation.
    Results<double> eval = run_normalizer(*a, x, dy, Mode::eval);
    CHECK(describe_mismatch(eval["y"], ra["y"], Tolerance{0, 0}) == "");
    CHECK(a->buffers().empty());
  }
}

TEST_CASE("frn: TLU clips at tau, and tlu=false has no tau", "[family2]") {
  const Shape shape{2, 4, 3};
  const Tensor<double> x = random_tensor<double>(shape, "f2/tlu/x");
  auto frn = make_normalizer<double>("frn", shape);
  Tensor<double> tau = Tensor<double>::from_shape({4});
  tau.fill(0.25);
  frn->set("tau", tau);
  Tensor<double> y, y_plain;
  frn->forward(x, y, Mode::train);
  auto plain = make_normalizer<double>("frn:tlu=false", shape);
  plain->forward(x, y_plain, Mode::train);
  std::size_t clipped = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    CHECK(y.data()[i] == std::max(y_plain.data()[i], 0.25));
    clipped += y_plain.data()[i] < 0.25;
  }
  CHECK(clipped > 0);
  CHECK(frn->includes_activation());
  CHECK(!plain->includes_activation());
  CHECK_THROWS_AS(plain->parameter("tau"), InputError);
}

TEST_CASE("evonorm_b0: evaluation uses running_var, which training updates as batch norm does", "[family2]") {
  const Shape shape{3, 4, 5};
  const std::size_t N = 3, C = 4, S = 5;
  const Tensor<double> x = random_tensor<double>(shape, "f2/b0/x", 0.3, 1.7);
  auto b0 = make_normalizer<double>("evonorm_b0", shape);
  set_nontrivial_state(*b0, "f2/b0");
  Tensor<double> v = random_tensor<double>({C}, "f2/b0/v", 0.5, 0.7);
  b0->set("v", v);
  const Tensor<double> running_var = b0->buffer("running_var");

  // Evaluation: the plain formula with running_var, and the buffers untouched.
  Tensor<double> y;
  b0->forward(x, y, Mode::eval);
  CHECK(describe_mismatch(b0->buffer("running_var"), running_var, Tolerance{0, 0}) == "");
  const double eps = 1e-5;
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c) {
      const double* xr = x.data() + (n * C + c) * S;
      double m = 0, var = 0;
      for (std::size_t s = 0; s < S; ++s)
        m += xr[s] / S;
      for (std::size_t s = 0; s < S; ++s)
        var += (xr[s] - m) * (xr[s] - m) / S;
      for (std::size_t s = 0; s < S; ++s) {
        const double d =
            std::max(std::sqrt(running_var.data()[c] + eps), v.data()[c] * xr[s] + std::sqrt(var + eps));
        const double expected =
            xr[s] / d * b0->parameter("weight").data()[c] + b0->parameter("bias").data()[c];
        CHECK(std::abs(y.data()[(n * C + c) * S + s] - expected) < 1e-12);
      }
    }

  // Training: running_var and num_batches_tracked follow batch norm's update on the same input.
  for (const std::string momentum : {"0.1", "none"}) {
    INFO("momentum=" << momentum);
    auto evo = make_normalizer<double>("evonorm_b0:momentum=" + momentum, shape);
    auto bn = make_normalizer<double>("batch:momentum=" + momentum, shape);
    evo->set("running_var", running_var);
    bn->set("running_var", running_var);
    Tensor<double> ye, yb;
    for (int step = 0; step < 2; ++step)
      evo->forward(x, ye, Mode::train), bn->forward(x, yb, Mode::train);
    CHECK(describe_mismatch(evo->buffer("running_var"), bn->buffer("running_var"), Tolerance{0, 0}) == "");
    CHECK(evo->buffer("num_batches_tracked")() == 2);
  }
  // B0 keeps no running mean.
  CHECK_THROWS_AS(b0->buffer("running_mean"), InputError);
}

TEST_CASE("evonorm_s0 with v = 0 is x / 2 / sigma_G * weight + bias", "[family2]") {
  const Shape shape{2, 4, 3, 2};
  const std::size_t N = 2, C = 4, S = 6, G = 2, M = C / G * S;
  const Tensor<double> x = random_tensor<double>(shape, "f2/s0/x", 0.3, 1.7);
  auto s0 = make_normalizer<double>("evonorm_s0:num_groups=2", shape);
  set_nontrivial_state(*s0, "f2/s0");
  Tensor<double> zero = Tensor<double>::from_shape({C});
  zero.fill(0);
  s0->set("v", zero);
  Tensor<double> y;
  s0->forward(x, y, Mode::train);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t g = 0; g < G; ++g) {
      const double* xr = x.data() + (n * G + g) * M;
      double m = 0, var = 0;
      for (std::size_t i = 0; i < M; ++i)
        m += xr[i] / M;
      for (std::size_t i = 0; i < M; ++i)
        var += (xr[i] - m) * (xr[i] - m) / M;
      for (std::size_t i = 0; i < M; ++i) {
        const std::size_t c = g * C / G + i / S;
        const double expected = xr[i] / 2 / std::sqrt(var + 1e-5) * s0->parameter("weight").data()[c] +
                                s0->parameter("bias").data()[c];
        CHECK(std::abs(y.data()[(n * G + g) * M + i] - expected) < 1e-12);
      }
    }
}

TEST_CASE("family2: bad values and shapes are one-line InputErrors", "[family2][errors]") {
  CHECK_THAT(make_error("evonorm_s0:num_groups=3", {2, 4, 3}),
             Contains("num_groups=3") && Contains("C=4") && Contains("valid: 1, 2, 4"));
  CHECK_THAT(make_error("evonorm_s0", {2, 16, 3}), Contains("num_groups=32") && Contains("C=16"));
  CHECK_THAT(make_error("evonorm_s0:num_groups=0", {2, 4, 3}), Contains("num_groups=0") && Contains(">= 1"));
  for (const std::string spec : {"evonorm_b0", "evonorm_s0:num_groups=1", "switchable"}) {
    INFO(spec);
    CHECK_THAT(make_error(spec, {4, 4}), Contains("spatial") && Contains("(4, 4)"));
  }
  CHECK_NOTHROW(make_normalizer<double>("frn", {4, 4}));  // FRN works on (N, C): ν² of the one element
  for (const std::string spec : {"frn:eps=0", "evonorm_b0:eps=-1", "evonorm_s0:eps=0", "switchable:eps=0"}) {
    INFO(spec);
    CHECK_THAT(make_error(spec, {2, 4, 3}), Contains("must be > 0"));
    CHECK_THROWS_AS(validate_normalizer_spec(spec), InputError);
  }
  for (const std::string spec : {"evonorm_b0:momentum=2", "switchable:momentum=-0.5"})
    CHECK_THAT(make_error(spec, {2, 4, 3}), Contains("[0, 1]"));
  CHECK_THAT(make_error("frn:tlu=maybe", {2, 4}), Contains("tlu=maybe") && Contains("true or false"));
  // Training with batch statistics needs more than one value per channel.
  for (const std::string spec : {"evonorm_b0", "switchable"}) {
    INFO(spec);
    auto norm = make_normalizer<double>(spec, {1, 4, 1});
    Tensor<double> y;
    CHECK_THAT(input_error([&] {
                 norm->forward(random_tensor<double>({1, 4, 1}, "e"), y, Mode::train);
               }),
               Contains("more than 1 value per channel") && Contains("(1, 4, 1)"));
    CHECK_NOTHROW(norm->forward(random_tensor<double>({1, 4, 1}, "e"), y, Mode::eval));
  }
}

TEST_CASE("family2: a constant input gives finite outputs and gradients", "[family2]") {
  const Shape shape{2, 4, 3, 3};
  Tensor<double> x = Tensor<double>::from_shape(shape);
  x.fill(0.7);
  const Tensor<double> dy = random_tensor<double>(shape, "f2/const/dy");
  for (const std::string spec :
       {"frn", "frn:tlu=false", "evonorm_b0", "evonorm_s0:num_groups=2", "switchable"})
    for (Mode mode : {Mode::train, Mode::eval}) {
      INFO(spec << ", " << (mode == Mode::train ? "train" : "eval"));
      auto norm = make_normalizer<double>(spec, shape);
      set_nontrivial_state(*norm, "f2/const");
      for (auto& [name, tensor] : run_normalizer(*norm, x, dy, mode)) {
        INFO(name);
        CHECK(all_finite(tensor));
      }
    }
}

TEST_CASE("family2: which normalizers include their activation", "[family2]") {
  const Shape shape{2, 4, 3};
  CHECK(make_normalizer<float>("frn", shape)->includes_activation());
  CHECK(!make_normalizer<float>("frn:tlu=false", shape)->includes_activation());
  CHECK(make_normalizer<float>("evonorm_b0", shape)->includes_activation());
  CHECK(make_normalizer<float>("evonorm_s0:num_groups=2", shape)->includes_activation());
  CHECK(!make_normalizer<float>("switchable", shape)->includes_activation());
  CHECK(!make_normalizer<float>("batch", shape)->includes_activation());
}

}  // namespace normlab::testing

namespace normlab::testing {

// The registry's includes_activation trait (which the harness asks without building anything)
// agrees with the normalizers it builds, for every registered kind and example.
TEST_CASE("includes_activation: the registry trait agrees with every built normalizer", "[registry]") {
  for (const NormalizerInfo& info : normalizer_registry())
    for (const std::string& spec : info.traits.examples) {
      INFO(spec);
      const Shape shape = info.traits.role == NormRole::activation ? Shape{2, 4, 3, 3} : Shape{4, 3};
      auto norm = make_normalizer<double>(spec, shape);
      const bool trait = info.traits.includes_activation && info.traits.includes_activation(normalizer_registry().parse(spec));
      CHECK(trait == norm->includes_activation());
    }
}

}  // namespace normlab::testing
