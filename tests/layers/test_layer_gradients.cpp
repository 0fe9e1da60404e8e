// Finite-difference checks (double, central differences, tolerance 1e-6 relative to the largest
// entry; see gradcheck.hpp) of dx and every parameter gradient of every layer, on several shapes.
#include <memory>

#include "experiments/layers/activation.hpp"
#include "experiments/layers/conv2d.hpp"
#include "experiments/layers/dropout.hpp"
#include "experiments/layers/flatten.hpp"
#include "experiments/layers/linear.hpp"
#include "experiments/layers/norm_layer.hpp"
#include "experiments/layers/pooling.hpp"
#include "experiments/layers/residual_block.hpp"
#include "layers/gradcheck.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

// weight_g drawn around 1 (randomize_parameters, gradcheck.hpp).
constexpr double kWeightGShift = 1.0;

// Values at least 0.05 away from 0, so that no central difference crosses ReLU's kink.
Tensor<double> away_from_zero(const Shape& shape, Rng& rng) {
  Tensor<double> x = random_tensor(shape, rng);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] += x.data()[i] >= 0 ? 0.05 : -0.05;
  return x;
}

}  // namespace

TEST_CASE("Linear gradients with and without bias, and under weight normalization") {
  Rng rng(1);
  for (bool bias : {true, false})
    for (const char* wn : {"", "weight"}) {
      Linear<double> linear(5, 3, bias, wn);
      randomize_parameters(linear, rng, kWeightGShift);
      check_layer_gradients(linear, random_tensor({4, 5}, rng));
    }
  Linear<double> wide(1, 7, true);
  randomize_parameters(wide, rng, kWeightGShift);
  check_layer_gradients(wide, random_tensor({1, 1}, rng));
}

TEST_CASE("Conv2d gradients over strides, paddings, kernel sizes, bias and weight normalization") {
  Rng rng(2);
  struct Case {
    ConvGeometry g;
    Shape x;
  };
  const Case cases[] = {
      {{2, 3, 3, 1, 1}, {2, 2, 5, 4}},  // 3x3, same padding, non-square input
      {{2, 3, 3, 2, 1}, {2, 2, 5, 5}},  // stride 2
      {{3, 2, 2, 1, 0}, {1, 3, 4, 3}},  // 2x2, no padding
      {{2, 4, 1, 1, 0}, {3, 2, 3, 3}},  // 1x1: col is the input itself
      {{2, 4, 1, 2, 0}, {2, 2, 5, 5}},  // 1x1 stride 2: the projection shortcut
      {{1, 2, 3, 2, 2}, {2, 1, 4, 4}},  // padding larger than needed
  };
  for (const auto& c : cases)
    for (bool bias : {true, false})
      for (const char* wn : {"", "weight"}) {
        Conv2d<double> conv(c.g, bias, wn);
        randomize_parameters(conv, rng, kWeightGShift);
        check_layer_gradients(conv, random_tensor(c.x, rng));
      }
}

TEST_CASE("activation gradients") {
  Rng rng(3);
  for (auto kind : {ActivationKind::relu, ActivationKind::sigmoid, ActivationKind::tanh}) {
    Activation<double> act(kind);
    check_layer_gradients(act, away_from_zero({3, 4}, rng));
    check_layer_gradients(act, away_from_zero({2, 2, 3, 3}, rng));
  }
}

TEST_CASE("pooling gradients") {
  Rng rng(4);
  MaxPool2d<double> max_pool(2, 2);
  check_layer_gradients(max_pool, random_tensor({2, 3, 4, 5}, rng));  // odd width: last column dropped
  MaxPool2d<double> overlapping(3, 1);
  check_layer_gradients(overlapping, random_tensor({1, 2, 5, 5}, rng));
  AvgPool2d<double> avg_pool(2, 2);
  check_layer_gradients(avg_pool, random_tensor({2, 3, 5, 4}, rng));
  AvgPool2d<double> avg_overlapping(3, 2);
  check_layer_gradients(avg_overlapping, random_tensor({1, 2, 7, 5}, rng));
  GlobalAvgPool<double> global;
  check_layer_gradients(global, random_tensor({2, 3, 3, 4}, rng));
}

TEST_CASE("Flatten and Dropout (evaluation mode and p = 0) gradients") {
  Rng rng(5);
  Flatten<double> flatten;
  check_layer_gradients(flatten, random_tensor({2, 3, 2, 2}, rng));
  Dropout<double> dropout(0.5, 9);
  check_layer_gradients(dropout, random_tensor({3, 4}, rng), Mode::eval);
  Dropout<double> no_dropout(0.0, 9);
  check_layer_gradients(no_dropout, random_tensor({3, 4}, rng), Mode::train);
}

TEST_CASE("NormLayer gradients with every activation normalizer, in both modes") {
  Rng rng(6);
  struct Case {
    const char* spec;
    Shape sample;
  };
  const Case cases[] = {
      {"batch", {4}},          {"batch", {3, 2, 2}},   {"layer", {4}},          {"layer", {2, 3, 2}},
      {"group:num_groups=2", {4}}, {"group:num_groups=2", {4, 2, 3}}, {"instance", {2, 3, 3}},
      {"instance:affine=true,track_running_stats=true", {2, 2, 3}}, {"none", {3}},
  };
  for (const auto& c : cases)
    for (Mode mode : {Mode::train, Mode::eval}) {
      Shape example{1};
      example.insert(example.end(), c.sample.begin(), c.sample.end());
      NormLayer<double> norm(make_normalizer<double>(c.spec, example), c.sample);
      randomize_parameters(norm, rng, kWeightGShift);
      Shape x_shape{3};
      x_shape.insert(x_shape.end(), c.sample.begin(), c.sample.end());
      if (mode == Mode::eval) norm.forward(random_tensor(x_shape, rng, 2.0), Mode::train);  // move running stats
      INFO(c.spec);
      check_layer_gradients(norm, random_tensor(x_shape, rng), mode);
    }
}

TEST_CASE("residual block gradients, identity and projection shortcuts") {
  Rng rng(7);
  for (bool projection : {false, true}) {
    using Named = ResidualBlock<double>::NamedLayer;
    const std::size_t in = 2, out = projection ? 3 : 2, stride = projection ? 2 : 1;
    std::vector<Named> branch, shortcut;
    branch.emplace_back("conv1", std::make_unique<Conv2d<double>>(ConvGeometry{in, out, 3, stride, 1}, false));
    branch.emplace_back("norm1", std::make_unique<NormLayer<double>>(make_normalizer<double>("batch", {1, out, 2, 2}),
                                                                     Shape{out, 2, 2}));
    branch.emplace_back("relu1", std::make_unique<Activation<double>>(ActivationKind::tanh));
    branch.emplace_back("conv2", std::make_unique<Conv2d<double>>(ConvGeometry{out, out, 3, 1, 1}, true));
    if (projection)
      shortcut.emplace_back("shortcut.0", std::make_unique<Conv2d<double>>(ConvGeometry{in, out, 1, stride, 0}, false));
    ResidualBlock<double> block("BasicBlock", std::move(branch), std::move(shortcut));
    randomize_parameters(block, rng, kWeightGShift);
    // The block's final ReLU: a kink crossing is improbable with these random values, and the
    // fixed seeds make the check deterministic.
    const std::size_t side = projection ? 4 : 2;
    check_layer_gradients(block, random_tensor({2, in, side, side}, rng));
    CHECK(block.sublayers().size() == (projection ? 5u : 4u));
  }
}
