// Numerical robustness: large offsets, constant inputs, zero variance, and weight norm's edge cases.
#include <catch2/catch.hpp>

#include <cmath>

#include "norms/core/errors.hpp"
#include "reference.hpp"
#include "test_support.hpp"

namespace normlab::testing {

namespace {

template <class T>
bool all_finite(const Tensor<T>& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(double(t.data()[i]))) return false;
  return true;
}

}  // namespace

TEST_CASE("numerics: float32 layer norm over 32768 features of randn*0.01+100 agrees with float64 to 1e-3",
          "[numerics]") {
  // A naive float32 E[x²] - E[x]² would lose every digit of the 1e-4 variance under the 1e4 mean².
  for (const Shape& shape : {Shape{2, 32768}, Shape{2, 32, 32, 32}}) {
    INFO("shape " << shape_string(shape));
    const Tensor<float> x = random_tensor<float>(shape, "numerics/layer", 100.0, 0.01);
    auto norm = make_normalizer<float>("layer", shape);
    Tensor<float> y;
    norm->forward(x, y, Mode::train);
    // float64 reference on the same float inputs.
    const reference::Vec xd(x.data(), x.data() + x.size()), unused(x.size(), 0.0);
    const auto ref =
        reference::layer_norm({shape[0], shape[1], shape_product(shape, 2)}, xd, unused, {}, {}, 1e-5);
    double worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      worst = std::max(worst, std::abs(double(y.data()[i]) - ref.y[i]));
    CHECK(worst <= 1e-3);
    // The normalized values are O(1): the check is not vacuous.
    CHECK(std::abs(ref.y[0]) + std::abs(ref.y[1]) + std::abs(ref.y[2]) > 0.1);
  }
}

TEST_CASE("numerics: float32 one-pass statistics shifted by an outlier first element stay at float64's values",
          "[numerics]") {
  // Float statistics take one pass: Σ(x - x₀) and Σ(x - x₀)² in double, shifted by each row's
  // first element x₀. The worst case for that shift is an x₀ far from the mean; here it sits
  // 500 standard deviations above a mean of 1e4, in every normalizer's first statistic row.
  // A naive float E[x²] - E[x]² would keep no digit; an unshifted double one about 8.
  const Shape shape{4, 4, 16, 16};
  const std::size_t N = shape[0], C = shape[1], S = 256;
  Tensor<float> x = random_tensor<float>(shape, "numerics/outlier", 1e4, 0.01);
  x.data()[0] = 1e4f + 5.0f;
  const reference::Vec xd(x.data(), x.data() + x.size()), unused(x.size(), 0.0);
  struct Case {
    std::string spec;
    reference::Vec y;
  };
  const Case cases[] = {
      {"layer:elementwise_affine=false", reference::layer_norm({N, C, S}, xd, unused, {}, {}, 1e-5).y},
      {"group:num_groups=2,affine=false", reference::group_norm({N, C, S}, 2, xd, unused, {}, {}, 1e-5).y},
      {"instance", reference::group_norm({N, C, S}, C, xd, unused, {}, {}, 1e-5).y},
      {"batch:affine=false", reference::batch_norm({N, C, S}, xd, unused, {}, {}, 1e-5).y},
  };
  for (const Case& c : cases) {
    INFO("spec '" << c.spec << "'");
    auto norm = make_normalizer<float>(c.spec, shape);
    Tensor<float> y;
    norm->forward(x, y, Mode::train);
    double worst = 0, largest = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      worst = std::max(worst, std::abs(double(y.data()[i]) - c.y[i]));
      largest = std::max(largest, std::abs(c.y[i]));
    }
    // Float's own rounding of y = (x - mean)·rstd is 2⁻²⁴ of |y|; the statistics add no more.
    CHECK(worst <= 4e-7 * largest);
    CHECK(largest > 10);  // the outlier is in the data: the check is not vacuous
  }
}

TEST_CASE("numerics: batch norm in training mode on a constant float32 input of 1e7 outputs exactly beta",
          "[numerics]") {
  for (const Shape& shape : {Shape{8, 3}, Shape{4, 3, 5, 5}, Shape{2, 70}}) {
    INFO("shape " << shape_string(shape));
    Tensor<float> x = Tensor<float>::from_shape(shape);
    x.fill(1e7f);
    auto norm = make_normalizer<float>("batch", shape);
    set_nontrivial_state(*norm, "numerics/constant");
    Tensor<float> y;
    norm->forward(x, y, Mode::train);
    const Tensor<float>& beta = norm->parameter("bias");
    const std::size_t C = shape[1], S = shape_product(shape, 2);
    std::size_t exact = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      exact += y.data()[i] == beta.data()[(i / S) % C];
    CHECK(exact == y.size());
  }
}

TEST_CASE("numerics: zero variance never gives NaN (forward, backward, running statistics)", "[numerics]") {
  const std::vector<std::string> specs = {"batch",
                                          "batch:track_running_stats=false",
                                          "batch:momentum=none",
                                          "layer",
                                          "layer:elementwise_affine=false",
                                          "instance",
                                          "instance:affine=true,track_running_stats=true",
                                          "group:num_groups=1",
                                          "group:num_groups=2",
                                          "group:num_groups=4"};
  for (const Shape& shape : {Shape{6, 4}, Shape{3, 4, 5}, Shape{2, 4, 3, 3}})
    for (const auto& spec : specs) {
      if (spec.rfind("instance", 0) == 0 && shape.size() < 3) continue;
      for (Mode mode : {Mode::train, Mode::eval})
        for (const float value : {0.0f, 3.7f, -1e7f}) {
          INFO("spec '" << spec << "', shape " << shape_string(shape) << ", constant " << value << ", "
                        << (mode == Mode::train ? "train" : "eval"));
          Tensor<float> x = Tensor<float>::from_shape(shape);
          x.fill(value);
          auto norm = make_normalizer<float>(spec, shape);
          set_nontrivial_state(*norm, spec);
          const Results<float> out =
              run_normalizer(*norm, x, random_tensor<float>(shape, "numerics/dy"), mode);
          for (const auto& [name, tensor] : out) {
            INFO("output " << name);
            CHECK(all_finite(tensor));
          }
        }
    }
}

TEST_CASE("numerics: a constant float input normalizes to exactly beta in every batch-statistics normalizer",
          "[numerics]") {
  // Float data summed in double is exact, so the mean is exactly the constant, x - mean is 0
  // and the affine step leaves β untouched. (Double data would round in the sum, and y would be
  // β plus rounding noise times rstd = 1/sqrt(eps).)
  for (const std::string spec : {"layer", "group:num_groups=2", "instance:affine=true", "batch"}) {
    const Shape shape{2, 4, 3, 3};
    INFO("spec '" << spec << "'");
    Tensor<float> x = Tensor<float>::from_shape(shape);
    x.fill(3.7f);
    auto norm = make_normalizer<float>(spec, shape);
    set_nontrivial_state(*norm, spec);
    Tensor<float> y;
    norm->forward(x, y, Mode::train);
    const Tensor<float>& beta = norm->parameter("bias");
    std::size_t exact = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      const std::size_t j = spec == "layer" ? i % beta.size() : (i / 9) % 4;
      exact += y.data()[i] == beta.data()[j];
    }
    CHECK(exact == y.size());
  }
}

TEST_CASE("numerics: weight norm's first forward returns v", "[numerics]") {
  for (const Shape& shape : {Shape{5, 7}, Shape{4, 3, 3, 3}}) {
    INFO("shape " << shape_string(shape));
    const Tensor<double> v = random_tensor<double>(shape, "numerics/v", 0.0, 2.0);
    auto wn = make_normalizer<double>("weight", shape);
    Tensor<double> w;
    wn->forward(v, w, Mode::train);
    CHECK(describe_mismatch(w, v, Tolerance{0, 0}) == "");  // g = ‖v‖ exactly, so g/‖v‖ = 1
    // g now holds ‖v‖ per row, and a second forward with another v is no longer the identity.
    const Tensor<double>& g = wn->parameter("g");
    const std::size_t len = v.size() / shape[0];
    double norm0 = 0;
    for (std::size_t i = 0; i < len; ++i)
      norm0 += v.data()[i] * v.data()[i];
    CHECK(g.data()[0] == Approx(std::sqrt(norm0)).epsilon(1e-15));
    Tensor<double> v2 = v;
    v2 *= 3.0;
    wn->forward(v2, w, Mode::train);
    CHECK(describe_mismatch(w, v, Tolerance{1e-15, 1e-15}) == "");  // same direction, same g

    // float: g = float(‖v‖), so w equals v to within one rounding of the scale.
    const Tensor<float> vf = cast<float>(v);
    auto wnf = make_normalizer<float>("weight", shape);
    Tensor<float> wf;
    wnf->forward(vf, wf, Mode::train);
    CHECK(describe_mismatch(wf, vf, Tolerance{0, 1.2e-7}) == "");
  }
}

TEST_CASE("numerics: a zero-norm weight row is an InputError, never a NaN", "[numerics]") {
  Tensor<double> v = random_tensor<double>({3, 4}, "numerics/zero-row");
  for (std::size_t i = 0; i < 4; ++i)
    v(1, i) = 0.0;
  for (const bool g_set : {false, true}) {
    INFO((g_set ? "g set explicitly" : "g initialized from v"));
    auto wn = make_normalizer<double>("weight", {3, 4});
    if (g_set) set_nontrivial_state(*wn, "zero-row");
    Tensor<double> w;
    try {
      wn->forward(v, w, Mode::train);
      FAIL("no InputError for a zero-norm row");
    } catch (const InputError& e) {
      const std::string message = e.what();
      CHECK_THAT(message, Catch::Contains("row 1") && Catch::Contains("zero norm"));
      CHECK(message.find('\n') == std::string::npos);
    }
  }
}

}  // namespace normlab::testing
