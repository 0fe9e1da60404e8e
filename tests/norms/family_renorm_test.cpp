// The facts of batch renormalization (issue 10): with rmax = 1, dmax = 0 it is batch norm bit for
// bit; with the running statistics equal to the batch's, r = 1 and d = 0; otherwise it is the
// plain reference formula below, whose gradient with r and d frozen is what backward computes
// (the registry loops' finite differences see r and d move, so they run clipped examples only);
// and the warmup schedule is the one `normlab list` states.
#include <catch2/catch.hpp>

#include <algorithm>

#include "family_support.hpp"
#include "finite_differences.hpp"

namespace normlab::testing {

namespace {

using Catch::Contains;

const std::vector<Shape> kShapes = {{6, 4}, {4, 3, 5}, {2, 4, 3, 3}};

struct RenormInputs {
  Tensor<double> weight, bias, running_mean, running_var;  // (C) each
  double eps, rmax, dmax;
};

struct RenormReference {
  Tensor<double> y;
  std::vector<double> r, d;
};

// y = weight·((x - μ_B)/σ_B·r + d) + bias, plainly; r and d from the running statistics, or the
// given ones (frozen, for finite differences). x: (N, C, S).
RenormReference renorm_reference(const Tensor<double>& x, const RenormInputs& in,
                                 const RenormReference* frozen = nullptr) {
  const std::size_t C = x.shape()[1], S = shape_product(shape_of(x), 2);
  const ChannelMoments m = channel_moments_of(x);
  RenormReference out{x, std::vector<double>(C), std::vector<double>(C)};
  for (std::size_t c = 0; c < C; ++c) {
    const double sigma = std::sqrt(in.running_var.data()[c] + in.eps);
    out.r[c] = frozen ? frozen->r[c] : std::clamp(std::sqrt(m.var[c] + in.eps) / sigma, 1 / in.rmax, in.rmax);
    out.d[c] = frozen ? frozen->d[c]
                      : std::clamp((m.mean[c] - in.running_mean.data()[c]) / sigma, -in.dmax, in.dmax);
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / S) % C;
    const double xhat = (x.data()[i] - m.mean[c]) / std::sqrt(m.var[c] + in.eps);
    out.y.data()[i] = in.weight.data()[c] * (xhat * out.r[c] + out.d[c]) + in.bias.data()[c];
  }
  return out;
}

RenormInputs inputs_of(Normalizer<double>& norm, double eps, double rmax, double dmax) {
  return {norm.parameter("weight"),
          norm.parameter("bias"),
          norm.buffer("running_mean"),
          norm.buffer("running_var"),
          eps,
          rmax,
          dmax};
}

}  // namespace

TEMPLATE_TEST_CASE("batch renorm with rmax=1, dmax=0 is batch norm, bit for bit", "[family][renorm]", float,
                   double) {
  using T = TestType;
  for (const Shape& shape : kShapes) {
    INFO(shape_string(shape));
    auto renorm = make_normalizer<T>("batch_renorm:rmax=1,dmax=0", shape);
    auto batch = make_normalizer<T>("batch", shape);
    set_nontrivial_state(*renorm, "renorm/bn");
    set_nontrivial_state(*batch, "renorm/bn");
    for (int step = 0; step < 4; ++step) {
      INFO("step " << step);
      const Tensor<T> x = random_tensor<T>(shape, "renorm/bn/x" + std::to_string(step), 0.3, 1.7);
      const Tensor<T> dy = random_tensor<T>(shape, "renorm/bn/dy" + std::to_string(step));
      const Mode mode = step < 3 ? Mode::train : Mode::eval;
      check_same_results(run_normalizer(*renorm, x, dy, mode), run_normalizer(*batch, x, dy, mode), kExact);
    }
  }
}

TEMPLATE_TEST_CASE("batch renorm with running statistics equal to the batch's has r = 1, d = 0",
                   "[family][renorm]", float, double) {
  using T = TestType;
  for (const Shape& shape : kShapes) {
    INFO(shape_string(shape));
    const Tensor<T> x = random_tensor<T>(shape, "renorm/r1/x", 0.3, 1.7),
                    dy = random_tensor<T>(shape, "renorm/r1/dy");
    auto renorm = make_normalizer<T>("batch_renorm", shape);
    auto batch = make_normalizer<T>("batch", shape);
    set_nontrivial_state(*renorm, "renorm/r1");
    set_nontrivial_state(*batch, "renorm/r1");
    const ChannelMoments m = channel_moments_of(x);
    renorm->set("running_mean", vector_tensor<T>(m.mean));
    renorm->set("running_var", vector_tensor<T>(m.var));  // biased: σ = σ_B
    Results<T> got = run_normalizer(*renorm, x, dy, Mode::train);
    Results<T> expected = run_normalizer(*batch, x, dy, Mode::train);
    for (const std::string name : {"y", "dx", "dweight", "dbias"}) {
      INFO(name);
      CHECK(describe_mismatch(got[name], expected[name], rounding<T>()) == "");
    }
  }
}

// The unclipped and partly clipped regimes against the reference; backward against finite
// differences of the reference with this forward's r and d frozen.
TEST_CASE("batch renorm: plain reference, running updates, and gradients with r, d frozen",
          "[family][renorm]") {
  struct Variant {
    std::string spec;
    double eps, rmax, dmax;
    std::optional<double> momentum;
  };
  for (const Variant& v : {Variant{"batch_renorm", 1e-5, 3, 5, 0.1},
                           Variant{"batch_renorm:rmax=1.5,dmax=0.2", 1e-5, 1.5, 0.2, 0.1},
                           Variant{"batch_renorm:momentum=none,eps=1e-3", 1e-3, 3, 5, std::nullopt}}) {
    std::size_t unclipped = 0, clipped = 0;
    for (const Shape& shape : kShapes) {
      INFO(v.spec << " on " << shape_string(shape));
      auto norm = make_normalizer<double>(v.spec, shape);
      set_nontrivial_state(*norm, "renorm/ref" + v.spec);
      Tensor<double> x = random_tensor<double>(shape, "renorm/ref/x", 0.3, 1.7);
      const Tensor<double> r = random_tensor<double>(shape, "renorm/ref/r");
      RenormInputs in = inputs_of(*norm, v.eps, v.rmax, v.dmax);  // copies: the state before the forward
      const RenormReference ref = renorm_reference(x, in);
      Tensor<double> y, dx;
      norm->forward(x, y, Mode::train);
      CHECK(describe_mismatch(y, ref.y, rounding<double>()) == "");
      for (std::size_t c = 0; c < shape[1]; ++c) {
        const bool at_bound = ref.r[c] == v.rmax || ref.r[c] == 1 / v.rmax || std::abs(ref.d[c]) == v.dmax;
        (at_bound ? clipped : unclipped) += 1;
      }
      // The running buffers, updated as batch norm updates them (unbiased variance).
      const ChannelMoments m = channel_moments_of(x);
      const double count = double(x.size() / shape[1]), factor = v.momentum ? *v.momentum : 1.0;
      for (std::size_t c = 0; c < shape[1]; ++c) {
        const double mean = (1 - factor) * in.running_mean.data()[c] + factor * m.mean[c];
        const double var = (1 - factor) * in.running_var.data()[c] + factor * m.var[c] * count / (count - 1);
        CHECK(std::abs(norm->buffer("running_mean").data()[c] - mean) <= 1e-14);
        CHECK(std::abs(norm->buffer("running_var").data()[c] - var) <= 1e-14);
      }
      norm->zero_grad();
      norm->backward(x, r, dx);
      const auto loss = [&] { return weighted_sum(renorm_reference(x, in, &ref).y, r); };
      check_against_differences(loss, x, dx, "dx");
      const auto params = norm->parameters();  // weight, bias
      REQUIRE(params.size() == 2);
      check_against_differences(loss, in.weight, *params[0].grad, "dweight");
      check_against_differences(loss, in.bias, *params[1].grad, "dbias");
    }
    INFO(v.spec << ": " << unclipped << " unclipped and " << clipped << " clipped channels");
    if (v.rmax == 3) CHECK(unclipped > 0);
    if (v.rmax == 1.5) CHECK(clipped > 0);
  }
}

// warmup=2: t = 0, 1 plain batch norm (bit for bit); t = 2 rmax 2, dmax 2.5; t >= 3 rmax 3, dmax 5.
TEST_CASE("batch renorm: the warmup schedule is the documented one", "[family][renorm]") {
  const Shape shape{6, 4, 3};
  auto renorm = make_normalizer<double>("batch_renorm:warmup=2", shape);
  auto batch = make_normalizer<double>("batch", shape);
  for (auto* norm : {renorm.get(), batch.get()}) {
    set_nontrivial_state(*norm, "renorm/warmup");
    Tensor<double> small = Tensor<double>::from_shape({4});
    small.fill(0.05);  // σ far below σ_B, so that r is clipped at the ramp's bound
    norm->set("running_var", small);
  }
  const double rmax_at[] = {1, 1, 2, 3, 3, 3}, dmax_at[] = {0, 0, 2.5, 5, 5, 5};
  bool ramp_clipped = false;
  for (std::size_t t = 0; t < 6; ++t) {
    INFO("t = " << t);
    CHECK(renorm->buffer("num_batches_tracked")() == double(t));
    const Tensor<double> x = random_tensor<double>(shape, "renorm/warmup/x" + std::to_string(t), 0.3, 1.7);
    const RenormReference ref = renorm_reference(x, inputs_of(*renorm, 1e-5, rmax_at[t], dmax_at[t]));
    Tensor<double> y, y_batch;
    renorm->forward(x, y, Mode::train);
    batch->forward(x, y_batch, Mode::train);
    CHECK(describe_mismatch(y, ref.y, rounding<double>()) == "");
    if (t < 2) CHECK(describe_mismatch(y, y_batch, kExact) == "");
    if (t == 2) ramp_clipped = std::count(ref.r.begin(), ref.r.end(), 2.0) > 0;
  }
  CHECK(ramp_clipped);
}

TEST_CASE("batch renorm: bad values are InputErrors that name the key and the rule",
          "[family][renorm][errors]") {
  const Shape shape{4, 3};
  const auto error_of = [&](const std::string& spec) {
    return input_error([&] { make_normalizer<double>(spec, shape); });
  };
  CHECK_THAT(error_of("batch_renorm:rmax=0.5"), Contains("rmax=0.5") && Contains(">= 1"));
  CHECK_THAT(error_of("batch_renorm:dmax=-1"), Contains("dmax=-1") && Contains(">= 0"));
  CHECK_THAT(error_of("batch_renorm:warmup=-1"), Contains("warmup=-1") && Contains(">= 0"));
  CHECK_THAT(error_of("batch_renorm:warmup=1.5"), Contains("warmup=1.5") && Contains("integer"));
  CHECK_THAT(error_of("batch_renorm:eps=0"), Contains("eps=0") && Contains("> 0"));
  CHECK_THAT(error_of("batch_renorm:momentum=1.5"), Contains("momentum=1.5") && Contains("[0, 1]"));
  CHECK_THROWS_AS(validate_normalizer_spec("batch_renorm:rmax=0.9"), InputError);
  auto renorm = make_normalizer<double>("batch_renorm", {1, 3});
  Tensor<double> y;
  const Tensor<double> one = random_tensor<double>({1, 3}, "renorm/one");
  CHECK_THAT(input_error([&] { renorm->forward(one, y, Mode::train); }),
             Contains("more than 1 value per channel") && Contains("(1, 3)"));
  CHECK_NOTHROW(renorm->forward(one, y, Mode::eval));
}

}  // namespace normlab::testing
