// layer:bias=false, as torch 2.1's nn.LayerNorm(bias=False) and nanoGPT's LayerNorm: the learnable
// weight alone. (The registry loops run its gradient, contract and allocation checks as an example.)
#include <catch2/catch.hpp>

#include <cmath>

#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

using namespace normlab;

TEST_CASE("layer:bias=false has a weight and no bias, and equals layer norm with a zero bias") {
  auto without_bias = make_normalizer<double>("layer:bias=false", {3, 2, 4});
  auto with_bias = make_normalizer<double>("layer", {3, 2, 4});
  const auto parameters = without_bias->parameters();
  REQUIRE(parameters.size() == 1);
  CHECK(parameters[0].name == "weight");
  CHECK(shape_of(*parameters[0].value) == Shape{2, 4});
  CHECK_FALSE(without_bias->has_shift());
  CHECK(with_bias->has_shift());
  CHECK(without_bias->describe() == "LayerNorm((2, 4), eps=1e-05, elementwise_affine=true, bias=false)");

  Tensor<double> x = Tensor<double>::from_shape({3, 2, 4}), dy = Tensor<double>::from_shape({3, 2, 4});
  for (std::size_t i = 0; i < x.size(); ++i) {
    x.data()[i] = std::sin(1.7 * double(i)) * 3 + 0.5;
    dy.data()[i] = std::cos(0.9 * double(i));
  }
  // The same non-trivial weight on both; the second keeps its zero bias.
  for (auto* norm : {without_bias.get(), with_bias.get()})
    for (std::size_t i = 0; i < 8; ++i)
      norm->parameters()[0].value->data()[i] = 0.5 + 0.25 * double(i);
  Tensor<double> y1, y2, dx1, dx2;
  without_bias->forward(x, y1, Mode::train);
  with_bias->forward(x, y2, Mode::train);
  without_bias->backward(x, dy, dx1);
  with_bias->backward(x, dy, dx2);
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(y1.data()[i] == y2.data()[i]);
    CHECK(dx1.data()[i] == dx2.data()[i]);
  }
  for (std::size_t i = 0; i < 8; ++i)
    CHECK(parameters[0].grad->data()[i] == with_bias->parameters()[0].grad->data()[i]);
}

TEST_CASE("layer:bias=false needs elementwise_affine") {
  CHECK_THROWS_WITH(make_normalizer<float>("layer:elementwise_affine=false,bias=false", {2, 4}),
                    Catch::Contains("bias=false needs elementwise_affine=true"));
}
