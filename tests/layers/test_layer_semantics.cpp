// Forward semantics of the layers against plain reference loops (PyTorch's definitions), the
// gradient contract, float against double, and the weight-norm and dropout specifics.
#include <cmath>
#include <memory>

#include "experiments/layers/activation.hpp"
#include "experiments/layers/conv2d.hpp"
#include "experiments/layers/dropout.hpp"
#include "experiments/layers/linear.hpp"
#include "experiments/layers/norm_layer.hpp"
#include "experiments/layers/pooling.hpp"
#include "layers/gradcheck.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

double max_abs_difference(const Tensor<double>& a, const Tensor<double>& b) {
  REQUIRE(shape_of(a) == shape_of(b));
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
  return worst;
}

}  // namespace

TEST_CASE("Linear computes x·Wᵀ + b with W of shape (out, in)") {
  Rng rng(1);
  Linear<double> linear(3, 2, true);
  randomize_parameters(linear, rng);
  const Tensor<double> x = random_tensor({4, 3}, rng);
  const Tensor<double> y = linear.forward(x, Mode::train);
  const auto& w = linear.weight().direction();
  Tensor<double> expected = Tensor<double>::from_shape({4, 2});
  for (std::size_t n = 0; n < 4; ++n)
    for (std::size_t o = 0; o < 2; ++o) {
      double s = linear.bias().data()[o];
      for (std::size_t i = 0; i < 3; ++i) s += x(n, i) * w(o, i);
      expected(n, o) = s;
    }
  CHECK(max_abs_difference(y, expected) < 1e-14);
  CHECK_THROWS_AS(linear.forward(random_tensor({4, 4}, rng), Mode::train), InputError);
}

TEST_CASE("Conv2d matches a direct convolution loop") {
  Rng rng(2);
  // Stride 2; stride 1 with same padding (im2col copies whole runs of the plane); stride 1 with
  // wider padding (row by row).
  for (const ConvGeometry g : {ConvGeometry{2, 3, 3, 2, 1}, ConvGeometry{2, 3, 3, 1, 1}, ConvGeometry{2, 3, 3, 1, 2}}) {
    const std::size_t s = g.stride, p = g.padding, Ho = (5 + 2 * p - 3) / s + 1, Wo = (6 + 2 * p - 3) / s + 1;
    Conv2d<double> conv(g, true);
    randomize_parameters(conv, rng);
    const Tensor<double> x = random_tensor({2, 2, 5, 6}, rng);
    const Tensor<double> y = conv.forward(x, Mode::train);
    REQUIRE(shape_of(y) == Shape{2, 3, Ho, Wo});
    const auto& w = conv.weight().direction();
    Tensor<double> expected = Tensor<double>::from_shape({2, 3, Ho, Wo});
    for (std::size_t n = 0; n < 2; ++n)
      for (std::size_t o = 0; o < 3; ++o)
        for (std::size_t oh = 0; oh < Ho; ++oh)
          for (std::size_t ow = 0; ow < Wo; ++ow) {
            double sum = conv.bias().data()[o];
            for (std::size_t c = 0; c < 2; ++c)
              for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t j = 0; j < 3; ++j) {
                  const long ih = long(oh * s + i) - long(p), iw = long(ow * s + j) - long(p);
                  if (ih >= 0 && ih < 5 && iw >= 0 && iw < 6) sum += x(n, c, ih, iw) * w(o, c, i, j);
                }
            expected(n, o, oh, ow) = sum;
          }
    CHECK(max_abs_difference(y, expected) < 1e-13);
    CHECK_THROWS_AS(conv.forward(random_tensor({2, 3, 5, 6}, rng), Mode::train), InputError);
  }
}

TEST_CASE("pooling matches its definition") {
  Tensor<double> x = Tensor<double>::from_shape({1, 1, 4, 4});
  for (std::size_t i = 0; i < 16; ++i) x.data()[i] = double((i * 7) % 16);
  MaxPool2d<double> max_pool(2, 2);
  AvgPool2d<double> avg_pool(2, 2);
  GlobalAvgPool<double> global;
  const Tensor<double> m = max_pool.forward(x, Mode::train);
  const Tensor<double> a = avg_pool.forward(x, Mode::train);
  for (std::size_t oh = 0; oh < 2; ++oh)
    for (std::size_t ow = 0; ow < 2; ++ow) {
      double best = -1, sum = 0;
      for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 2; ++j) {
          best = std::max(best, x(0, 0, 2 * oh + i, 2 * ow + j));
          sum += x(0, 0, 2 * oh + i, 2 * ow + j);
        }
      CHECK(m(0, 0, oh, ow) == best);
      CHECK(a(0, 0, oh, ow) == sum / 4);
    }
  CHECK(global.forward(x, Mode::train)(0, 0) == 7.5);
}

TEST_CASE("max pooling routes the gradient to the first maximum on ties, as PyTorch") {
  for (const std::size_t kernel : {2, 3}) {  // the 2x2 fast path and the general window loop
    MaxPool2d<double> max_pool(kernel, 2);
    Tensor<double> x = Tensor<double>::from_shape({1, 1, 5, 5});  // odd: the last row and column unused
    x.fill(1.0);
    x(0, 0, 2, 3) = 2.0;  // a strict maximum in one window, which later equal elements must not take
    const Tensor<double> y = max_pool.forward(x, Mode::train);
    Tensor<double> dy = Tensor<double>::from_shape(shape_of(y));
    dy.fill(1.0);
    const Tensor<double> dx = max_pool.backward(dy);
    Tensor<double> expected = Tensor<double>::from_shape({1, 1, 5, 5});
    expected.fill(0.0);
    for (std::size_t oh = 0; oh < y.shape()[2]; ++oh)
      for (std::size_t ow = 0; ow < y.shape()[3]; ++ow) {
        const std::size_t r = 2 * oh, c = 2 * ow;
        const bool holds_two = r <= 2 && 2 < r + kernel && c <= 3 && 3 < c + kernel;
        CHECK(y(0, 0, oh, ow) == (holds_two ? 2.0 : 1.0));
        if (holds_two)
          expected(0, 0, 2, 3) += 1.0;
        else
          expected(0, 0, r, c) += 1.0;
      }
    CHECK(max_abs_difference(dx, expected) == 0.0);
  }
}

TEST_CASE("backward assigns dx and accumulates parameter gradients") {
  Rng rng(3);
  Conv2d<double> conv({2, 2, 3, 1, 1}, true);
  randomize_parameters(conv, rng);
  const Tensor<double> x = random_tensor({2, 2, 3, 3}, rng), dy = random_tensor({2, 2, 3, 3}, rng);
  conv.forward(x, Mode::train);
  for (auto& p : conv.parameters()) p.grad->fill(0);
  const Tensor<double> dx1 = conv.backward(dy);
  std::vector<Tensor<double>> first;
  for (auto& p : conv.parameters()) first.push_back(*p.grad);
  const Tensor<double> dx2 = conv.backward(dy);
  CHECK(max_abs_difference(dx1, dx2) == 0);  // assigned: the same, not doubled
  auto params = conv.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) CHECK(max_abs_difference(*params[i].grad, 2.0 * first[i]) < 1e-13);
}

TEST_CASE("weight normalization starts as the plain layer and exposes weight_g and weight_v") {
  Rng rng(4);
  Linear<double> plain(4, 3, true), normalized(4, 3, true, "weight");
  randomize_parameters(plain, rng);
  normalized.weight().direction() = plain.weight().direction();
  normalized.bias() = plain.bias();
  normalized.weight().reset_scale();
  const Tensor<double> x = random_tensor({2, 4}, rng);
  CHECK(max_abs_difference(plain.forward(x, Mode::train), normalized.forward(x, Mode::train)) < 1e-14);
  auto params = normalized.parameters();
  REQUIRE(params.size() == 3);
  CHECK(params[0].name == "weight_g");
  CHECK(shape_of(*params[0].value) == Shape{3});
  CHECK(params[1].name == "weight_v");
  CHECK(params[2].name == "bias");
  // Scaling g scales each output row of w.
  params[0].value->data()[1] *= 2;
  const Tensor<double> y = normalized.forward(x, Mode::train);
  const Tensor<double> y_plain = plain.forward(x, Mode::train);
  const double b = plain.bias().data()[1];
  CHECK(std::abs((y(0, 1) - b) - 2 * (y_plain(0, 1) - b)) < 1e-13);
  CHECK_THROWS_AS(Linear<double>(4, 3, true, "batch"), InputError);
}

TEST_CASE("dropout keeps a fraction 1 - p scaled by 1/(1 - p), deterministically per seed") {
  Dropout<double> a(0.25, 42), b(0.25, 42), c(0.25, 43);
  Tensor<double> x = Tensor<double>::from_shape({100, 100});
  x.fill(1.0);
  const Tensor<double> ya = a.forward(x, Mode::train);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < ya.size(); ++i) {
    REQUIRE((ya.data()[i] == 0.0 || std::abs(ya.data()[i] - 1 / 0.75) < 1e-15));
    kept += ya.data()[i] != 0.0;
  }
  CHECK(std::abs(double(kept) / 10000 - 0.75) < 0.02);  // 5 standard deviations is 0.0217
  CHECK(max_abs_difference(ya, b.forward(x, Mode::train)) == 0);
  CHECK(max_abs_difference(ya, c.forward(x, Mode::train)) > 0);
  // dx uses the same mask.
  const Tensor<double> dx = a.backward(x);
  CHECK(max_abs_difference(dx, ya) == 0);
  CHECK(max_abs_difference(a.forward(x, Mode::eval), x) == 0);
  CHECK_THROWS_AS(Dropout<double>(1.0, 1), InputError);
}

TEST_CASE("float layers agree with double layers") {
  Rng rng(5);
  Conv2d<double> conv_d({2, 3, 3, 1, 1}, true);
  Conv2d<float> conv_f({2, 3, 3, 1, 1}, true);
  randomize_parameters(conv_d, rng);
  auto pd = conv_d.parameters();
  auto pf = conv_f.parameters();
  for (std::size_t i = 0; i < pd.size(); ++i)
    for (std::size_t j = 0; j < pd[i].value->size(); ++j) pf[i].value->data()[j] = float(pd[i].value->data()[j]);
  const Tensor<double> x = random_tensor({2, 2, 4, 4}, rng);
  Tensor<float> xf = Tensor<float>::from_shape(shape_of(x));
  for (std::size_t i = 0; i < x.size(); ++i) xf.data()[i] = float(x.data()[i]);
  const Tensor<double> yd = conv_d.forward(x, Mode::train);
  const Tensor<float> yf = conv_f.forward(xf, Mode::train);
  double worst = 0;
  for (std::size_t i = 0; i < yd.size(); ++i) worst = std::max(worst, std::abs(double(yf.data()[i]) - yd.data()[i]));
  CHECK(worst < 1e-5);
}

TEST_CASE("float sigmoid and tanh (vectorized exp) agree with double std::exp and std::tanh") {
  for (auto kind : {ActivationKind::sigmoid, ActivationKind::tanh}) {
    Activation<float> act(kind);
    Tensor<float> x = Tensor<float>::from_shape({1, 2003});  // not a multiple of the SIMD width
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = -100.0f + 200.0f * float(i) / 2002.0f;
    x.data()[7] = 1e-6f;
    x.data()[8] = -3e-4f;
    const Tensor<float> y = act.forward(x, Mode::train);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = x.data()[i];
      const double expected = kind == ActivationKind::sigmoid ? 1 / (1 + std::exp(-v)) : std::tanh(v);
      worst = std::max(worst, std::abs(double(y.data()[i]) - expected) / std::max(std::abs(expected), 1e-3));
    }
    CHECK(worst < 1e-6);
  }
}

TEST_CASE("normalization and activation layers expose their last input for layer statistics") {
  Rng rng(6);
  Activation<double> relu(ActivationKind::relu);
  CHECK(relu.last_input() == nullptr);
  const Tensor<double> x = random_tensor({2, 3}, rng);
  relu.forward(x, Mode::train);
  CHECK(relu.last_input() == &x);
  CHECK(relu.activation_normalizer() == nullptr);
  NormLayer<double> norm(make_normalizer<double>("batch", {1, 3}), {3});
  norm.forward(x, Mode::train);
  CHECK(norm.last_input() == &x);
  REQUIRE(norm.activation_normalizer() != nullptr);
  CHECK(norm.activation_normalizer()->kind() == "batch");
}
