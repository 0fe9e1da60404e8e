// Running statistics of batch normalization (and instance norm's optional ones), with PyTorch's
// conventions: running = (1 - momentum)·running + momentum·batch; running_var takes the unbiased
// batch variance although normalization uses the biased one; momentum=none is the cumulative
// average (factor 1/num_batches_tracked); only training forwards count and update.
// Expected values are computed here from the data in double; tolerance abs and rel 1e-12.
#include <catch2/catch.hpp>

#include <cmath>

#include "reference.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

const Tolerance kTol{1e-12, 1e-12};

reference::Dims dims_of(const Shape& s) {
  return {s[0], s[1], shape_product(s, 2)};
}

reference::Vec to_vec(const Tensor<double>& t) {
  return reference::Vec(t.data(), t.data() + t.size());
}

Tensor<double> to_tensor(const reference::Vec& v) {
  Tensor<double> t = Tensor<double>::from_shape({v.size()});
  std::copy(v.begin(), v.end(), t.data());
  return t;
}

}  // namespace

TEST_CASE("running stats: momentum blends the batch statistics in PyTorch's convention", "[running]") {
  const Shape shape{6, 3, 4};
  auto bn = make_normalizer<double>("batch:momentum=0.3", shape);
  set_nontrivial_state(*bn, "running/momentum");
  reference::Vec rm = to_vec(bn->buffer("running_mean")), rv = to_vec(bn->buffer("running_var"));
  const Tensor<double> x = random_tensor<double>(shape, "running/x", 2.0, 3.0);
  Tensor<double> y;
  bn->forward(x, y, Mode::train);
  const auto [mean, unbiased] = reference::batch_moments(dims_of(shape), to_vec(x));
  for (std::size_t c = 0; c < 3; ++c) {
    rm[c] = 0.7 * rm[c] + 0.3 * mean[c];
    rv[c] = 0.7 * rv[c] + 0.3 * unbiased[c];
  }
  CHECK(describe_mismatch(bn->buffer("running_mean"), to_tensor(rm), kTol) == "");
  CHECK(describe_mismatch(bn->buffer("running_var"), to_tensor(rv), kTol) == "");
  CHECK(bn->buffer("num_batches_tracked")() == 1.0);
}

TEST_CASE("running stats: running_var takes the unbiased variance, normalization the biased one",
          "[running]") {
  const Shape shape{4, 2, 3};  // 12 values per channel: the two variances differ by 12/11
  auto bn = make_normalizer<double>("batch:momentum=1,affine=false", shape);
  const Tensor<double> x = random_tensor<double>(shape, "running/unbiased", 0.0, 2.0);
  Tensor<double> y;
  bn->forward(x, y, Mode::train);
  const auto d = dims_of(shape);
  const auto [mean, unbiased] = reference::batch_moments(d, to_vec(x));
  CHECK(describe_mismatch(bn->buffer("running_mean"), to_tensor(mean), kTol) == "");
  CHECK(describe_mismatch(bn->buffer("running_var"), to_tensor(unbiased), kTol) == "");
  // The output was normalized with the biased variance = unbiased·11/12.
  const auto ref = reference::batch_norm(d, to_vec(x), reference::Vec(x.size(), 0.0), {}, {}, 1e-5);
  Tensor<double> expected_y = Tensor<double>::from_shape(shape);
  std::copy(ref.y.begin(), ref.y.end(), expected_y.data());
  CHECK(describe_mismatch(y, expected_y, kTol) == "");
  // and evaluation with those buffers is not the same as training on this batch:
  Tensor<double> y_eval;
  bn->forward(x, y_eval, Mode::eval);
  CHECK(describe_mismatch(y_eval, y, Tolerance{1e-6, 0}) != "");
}

TEST_CASE("running stats: momentum=0 leaves them unchanged (momentum=1 replacing them is tested above)",
          "[running]") {
  const Shape shape{5, 3};
  const Tensor<double> x = random_tensor<double>(shape, "running/extremes", 1.0, 2.0);
  Tensor<double> y;
  auto frozen = make_normalizer<double>("batch:momentum=0", shape);
  set_nontrivial_state(*frozen, "running/extremes");
  const Tensor<double> rm0 = frozen->buffer("running_mean"), rv0 = frozen->buffer("running_var");
  frozen->forward(x, y, Mode::train);
  CHECK(describe_mismatch(frozen->buffer("running_mean"), rm0, Tolerance{0, 0}) == "");
  CHECK(describe_mismatch(frozen->buffer("running_var"), rv0, Tolerance{0, 0}) == "");
  CHECK(frozen->buffer("num_batches_tracked")() == 1.0);
}

TEST_CASE("running stats: momentum=none is the cumulative average of k batches", "[running]") {
  for (const Shape& base : {Shape{4, 3}, Shape{3, 3, 5}}) {
    INFO("shape " << shape_string(base));
    auto bn = make_normalizer<double>("batch:momentum=none", base);
    set_nontrivial_state(*bn, "running/none");  // the first batch's factor is 1: these are forgotten
    const std::size_t k = 5;
    reference::Vec mean_sum(3, 0.0), var_sum(3, 0.0);
    for (std::size_t b = 0; b < k; ++b) {
      Shape shape = base;
      shape[0] = base[0] + b;  // batches of different sizes: still a plain average of the batch statistics
      const Tensor<double> x =
          random_tensor<double>(shape, "running/none/" + std::to_string(b), double(b), 1.0 + b);
      Tensor<double> y;
      bn->forward(x, y, Mode::train);
      const auto [mean, unbiased] = reference::batch_moments(dims_of(shape), to_vec(x));
      for (std::size_t c = 0; c < 3; ++c)
        mean_sum[c] += mean[c], var_sum[c] += unbiased[c];
    }
    for (std::size_t c = 0; c < 3; ++c)
      mean_sum[c] /= double(k), var_sum[c] /= double(k);
    CHECK(describe_mismatch(bn->buffer("running_mean"), to_tensor(mean_sum), kTol) == "");
    CHECK(describe_mismatch(bn->buffer("running_var"), to_tensor(var_sum), kTol) == "");
    CHECK(bn->buffer("num_batches_tracked")() == double(k));
  }
}

TEST_CASE("running stats: num_batches_tracked counts training forwards only, and eval uses the buffers",
          "[running]") {
  const Shape shape{6, 4, 2};
  auto bn = make_normalizer<double>("batch", shape);
  set_nontrivial_state(*bn, "running/count");
  Tensor<double> y;
  for (int i = 0; i < 3; ++i)
    bn->forward(random_tensor<double>(shape, "running/count/" + std::to_string(i)), y, Mode::train);
  const Tensor<double> rm = bn->buffer("running_mean"), rv = bn->buffer("running_var");
  const Tensor<double> x = random_tensor<double>(shape, "running/count/eval", 3.0, 2.0);
  for (int i = 0; i < 2; ++i)
    bn->forward(x, y, Mode::eval);
  CHECK(bn->buffer("num_batches_tracked")() == 3.0);
  CHECK(describe_mismatch(bn->buffer("running_mean"), rm, Tolerance{0, 0}) == "");
  CHECK(describe_mismatch(bn->buffer("running_var"), rv, Tolerance{0, 0}) == "");
  // y = (x - running_mean)/sqrt(running_var + eps)·γ + β
  const Tensor<double>& gamma = bn->parameter("weight");
  const Tensor<double>& beta = bn->parameter("bias");
  Tensor<double> expected = Tensor<double>::from_shape(shape);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / 2) % 4;
    expected.data()[i] =
        (x.data()[i] - rm.data()[c]) / std::sqrt(rv.data()[c] + 1e-5) * gamma.data()[c] + beta.data()[c];
  }
  CHECK(describe_mismatch(y, expected, kTol) == "");
}

TEST_CASE("running stats: track_running_stats=false keeps none and evaluates with batch statistics",
          "[running]") {
  const Shape shape{5, 3, 4};
  auto bn = make_normalizer<double>("batch:track_running_stats=false", shape);
  CHECK(bn->buffers().empty());
  const Tensor<double> x = random_tensor<double>(shape, "running/untracked", 1.0, 2.0);
  Tensor<double> y_train, y_eval;
  bn->forward(x, y_train, Mode::train);
  bn->forward(x, y_eval, Mode::eval);
  CHECK(describe_mismatch(y_eval, y_train, Tolerance{0, 0}) == "");
}

TEST_CASE("running stats: instance norm averages per-instance statistics into its buffers", "[running]") {
  const Shape shape{3, 2, 5};
  auto in = make_normalizer<double>("instance:track_running_stats=true,momentum=0.25", shape);
  set_nontrivial_state(*in, "running/instance");
  reference::Vec rm = to_vec(in->buffer("running_mean")), rv = to_vec(in->buffer("running_var"));
  const Tensor<double> x = random_tensor<double>(shape, "running/instance/x", 1.0, 2.0);
  Tensor<double> y;
  in->forward(x, y, Mode::train);
  const auto [mean, unbiased] = reference::instance_moments(dims_of(shape), to_vec(x));
  reference::update_running(rm, rv, mean, unbiased, 0.25, 1);
  CHECK(describe_mismatch(in->buffer("running_mean"), to_tensor(rm), kTol) == "");
  CHECK(describe_mismatch(in->buffer("running_var"), to_tensor(rv), kTol) == "");
  // normlab counts instance norm's training forwards (PyTorch leaves the counter at 0; normlab
  // needs it for momentum=none, which PyTorch's instance norm does not offer).
  CHECK(in->buffer("num_batches_tracked")() == 1.0);
}

}  // namespace normlab::testing
