// What the builder promises beyond gradients: evaluation outputs independent of the rest of the
// batch, bias=auto, weight norm's initial function, determinism, names, and clear errors.
#include <cmath>
#include <memory>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "experiments/models/model.hpp"
#include "layers/gradcheck.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

Model<float> build(const std::string& model, const std::string& norm, const std::string& placement,
                   const Shape& sample, std::size_t classes, const std::string& bias = "auto",
                   std::uint64_t seed = 1, const std::string& init = "kaiming") {
  ModelOptions options{model, norm, placement, bias, init};
  Rng rng = Rng::stream(seed, "init");
  return build_model<float>(options, sample, classes, rng);
}

Tensor<float> random_float(const Shape& shape, Rng& rng) {
  Tensor<float> t = Tensor<float>::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(rng.normal(0.5, 2.0));
  return t;
}

std::set<std::string> parameter_names(Model<float>& model) {
  std::set<std::string> names;
  for (auto& p : model.parameters()) names.insert(p.name);
  return names;
}

// Row `row` of the model's output for a batch whose row 0 is `sample` and whose other rows are random.
std::vector<float> output_of_first(Model<float>& model, const Tensor<float>& batch, Mode mode) {
  const Tensor<float>& y = model.forward(batch, mode);
  return std::vector<float>(y.data(), y.data() + y.shape()[1]);
}

void check_batch_independence(const std::string& spec, const std::string& norm, const Shape& sample) {
  INFO(spec << " norm=" << norm);
  Model<float> model = build(spec, norm, "pre", sample, 4);
  Rng rng(3);
  Shape batch_shape{8};
  batch_shape.insert(batch_shape.end(), sample.begin(), sample.end());
  // Training-mode forwards move the running statistics away from (0, 1).
  for (int i = 0; i < 5; ++i) model.forward(random_float(batch_shape, rng), Mode::train);
  Tensor<float> a = random_float(batch_shape, rng), b = random_float(batch_shape, rng);
  const std::size_t per_sample = shape_product(sample);
  std::copy(a.data(), a.data() + per_sample, b.data());  // the same first sample in both batches
  const auto eval_a = output_of_first(model, a, Mode::eval), eval_b = output_of_first(model, b, Mode::eval);
  for (std::size_t k = 0; k < eval_a.size(); ++k) CHECK(std::abs(eval_a[k] - eval_b[k]) <= 1e-6f * (1 + std::abs(eval_a[k])));
  // In training mode batch norm mixes the batch: the outputs differ (so the check above can fail).
  const auto train_a = output_of_first(model, a, Mode::train), train_b = output_of_first(model, b, Mode::train);
  double difference = 0;
  for (std::size_t k = 0; k < train_a.size(); ++k) difference += std::abs(train_a[k] - train_b[k]);
  CHECK(difference > 1e-3);
  // And evaluation mode does use the moved running statistics, not the batch's.
  bool moved = false;
  for (auto& buffer : model.buffers())
    if (buffer.name.find("running_mean") != std::string::npos)
      for (std::size_t i = 0; i < buffer.value->size(); ++i) moved |= buffer.value->data()[i] != 0.0f;
  CHECK(moved);
}

}  // namespace

TEST_CASE("in evaluation mode a sample's output does not depend on the rest of its batch") {
  check_batch_independence("mlp:widths=16x8", "batch", {6});
  check_batch_independence("vgg:widths=4x8", "batch", {3, 8, 8});
  check_batch_independence("resnet:depth=8,width=4", "batch", {3, 8, 8});
}

TEST_CASE("bias=auto drops the bias of a layer directly followed by a shifting normalizer") {
  const Shape flat{6};
  // pre + batch (affine): the hidden Linear has no bias; the output layer keeps its own.
  auto names = parameter_names(*std::make_unique<Model<float>>(build("mlp:widths=5", "batch", "pre", flat, 3)));
  CHECK(names.count("0.weight"));
  CHECK(!names.count("0.bias"));
  CHECK(names.count("1.weight"));
  CHECK(names.count("1.bias"));
  CHECK(names.count("3.bias"));  // output layer
  // A normalizer without shift keeps it; so do post placement, no normalizer and weight norm.
  for (const auto& [norm, placement] : std::vector<std::pair<std::string, std::string>>{
           {"batch:affine=false", "pre"}, {"layer:elementwise_affine=false", "pre"}, {"batch", "post"},
           {"batch", "none"}, {"none", "pre"}, {"weight", "pre"}}) {
    INFO(norm << " " << placement);
    Model<float> model = build("mlp:widths=5", norm, placement, flat, 3);
    CHECK(parameter_names(model).count("0.bias"));
  }
  // bias=true and bias=false override.
  CHECK(parameter_names(*std::make_unique<Model<float>>(build("mlp:widths=5", "batch", "pre", flat, 3, "true"))).count("0.bias"));
  Model<float> no_bias = build("mlp:widths=5", "batch", "post", flat, 3, "false");
  CHECK(!parameter_names(no_bias).count("0.bias"));
  CHECK(parameter_names(no_bias).count("3.bias"));  // the output layer keeps its bias
  // Convolutions and the residual branch follow the same rule; under post placement conv2 is
  // still directly followed by norm2.
  Model<float> resnet = build("resnet:depth=8,width=4", "batch", "post", {3, 8, 8}, 10);
  names = parameter_names(resnet);
  CHECK(names.count("3.conv1.bias"));
  CHECK(!names.count("3.conv2.bias"));
  CHECK(names.count("3.norm1.weight"));
  CHECK(names.count("4.shortcut.0.weight"));
  CHECK(!names.count("4.shortcut.0.bias"));
  CHECK(names.count("4.shortcut.1.bias"));
}

TEST_CASE("weight normalization reparameterizes every hidden layer and starts as the plain model") {
  for (const std::string spec : {"mlp:widths=7x5,act=tanh", "vgg:widths=4x6", "resnet:depth=8,width=2"}) {
    INFO(spec);
    const Shape sample = spec.rfind("mlp", 0) == 0 ? Shape{6} : Shape{3, 8, 8};
    Model<float> plain = build(spec, "none", "pre", sample, 3);
    Model<float> normalized = build(spec, "weight", "pre", sample, 3);
    const auto names = parameter_names(normalized);
    std::size_t reparameterized = 0;
    for (const auto& name : names) reparameterized += name.find("weight_g") != std::string::npos;
    std::size_t hidden = 0;
    for (const auto& name : parameter_names(plain)) hidden += name.find("weight") != std::string::npos;
    CHECK(reparameterized == hidden - 1);  // all but the output layer
    Rng rng(4);
    Shape batch{5};
    batch.insert(batch.end(), sample.begin(), sample.end());
    const Tensor<float> x = random_float(batch, rng);
    const Tensor<float> y_plain = plain.forward(x, Mode::eval);
    const Tensor<float> y_normalized = normalized.forward(x, Mode::eval);
    for (std::size_t i = 0; i < y_plain.size(); ++i)
      CHECK(std::abs(y_plain.data()[i] - y_normalized.data()[i]) <= 1e-5f * (1 + std::abs(y_plain.data()[i])));
  }
}

TEST_CASE("models are deterministic for a seed and named <layer index>.<name>") {
  Model<float> a = build("vgg:widths=4x6", "batch", "pre", {3, 8, 8}, 3, "auto", 7);
  Model<float> b = build("vgg:widths=4x6", "batch", "pre", {3, 8, 8}, 3, "auto", 7);
  Model<float> c = build("vgg:widths=4x6", "batch", "pre", {3, 8, 8}, 3, "auto", 8);
  auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  REQUIRE(pa.size() == pb.size());
  bool all_equal = true, any_differs = false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].name == pb[i].name);
    for (std::size_t j = 0; j < pa[i].value->size(); ++j) {
      all_equal &= pa[i].value->data()[j] == pb[i].value->data()[j];
      any_differs |= pa[i].value->data()[j] != pc[i].value->data()[j];
    }
  }
  CHECK(all_equal);
  CHECK(any_differs);
  CHECK(pa[0].name == "0.weight");
  CHECK(a.buffers()[0].name == "1.running_mean");
  CHECK(a.sample_shape == Shape{3, 8, 8});
  CHECK(a.num_classes == 3);
}

TEST_CASE("initializations have the stated scales") {
  const std::size_t fan_in = 400;
  for (const auto& [init, expected_std] : std::vector<std::pair<std::string, double>>{
           {"kaiming", std::sqrt(2.0 / fan_in)},
           {"kaiming:scale=0.5", 0.5 * std::sqrt(2.0 / fan_in)},
           {"xavier", std::sqrt(6.0 / (fan_in + 300)) / std::sqrt(3.0)},
           {"normal:std=0.01", 0.01},
           {"uniform:scale=0.1", 0.1 / std::sqrt(3.0)}}) {
    INFO(init);
    Model<float> model = build("mlp:widths=300,act=relu", "none", "pre", {fan_in}, 3, "auto", 1, init);
    const Tensor<float>& w = *model.parameters()[0].value;
    double sum = 0, sum_squares = 0;
    for (std::size_t i = 0; i < w.size(); ++i) sum += w.data()[i], sum_squares += double(w.data()[i]) * w.data()[i];
    const double n = double(w.size()), mean = sum / n, std = std::sqrt(sum_squares / n - mean * mean);
    CHECK(std::abs(std - expected_std) < 0.02 * expected_std);  // 120,000 draws: ~0.2% standard error
    CHECK(std::abs(mean) < 0.02 * expected_std);
    CHECK(*std::max_element(model.parameters()[1].value->begin(), model.parameters()[1].value->end()) == 0.0f);
  }
}

TEST_CASE("bad specs and impossible placements are InputErrors that say what is valid") {
  auto message = [](auto&& make) -> std::string {
    try {
      make();
    } catch (const InputError& e) {
      return e.what();
    }
    return "no InputError";
  };
  using Catch::Matchers::Contains;
  const Shape flat{6}, image{3, 8, 8};
  CHECK_THAT(message([&] { build("perceptron", "none", "pre", flat, 3); }), Contains("valid: mlp, vgg, resnet"));
  CHECK_THAT(message([&] { build("mlp:depth=3", "none", "pre", flat, 3); }), Contains("depth"));
  CHECK_THAT(message([&] { build("mlp:widths=0", "none", "pre", flat, 3); }), Contains("widths"));
  CHECK_THAT(message([&] { build("mlp:widths=12xx4", "none", "pre", flat, 3); }), Contains("widths"));
  CHECK_THAT(message([&] { build("mlp:act=gelu", "none", "pre", flat, 3); }), Contains("relu"));
  CHECK_THAT(message([&] { build("mlp:in=5", "none", "pre", flat, 3); }), Contains("in=auto or in=6"));
  CHECK_THAT(message([&] { build("mlp:out=4", "none", "pre", flat, 3); }), Contains("out=3"));
  CHECK_THAT(message([&] { build("mlp", "none", "pre", {}, 3); }), Contains("in="));
  CHECK_THAT(message([&] { build("mlp", "batch", "middle", flat, 3); }), Contains("valid: pre, post, none"));
  CHECK_THAT(message([&] { build("mlp", "batch", "pre", flat, 3, "maybe"); }), Contains("valid: auto, true, false"));
  CHECK_THAT(message([&] { build("mlp", "batchnorm", "pre", flat, 3); }), Contains("valid:"));
  CHECK_THAT(message([&] { build("mlp", "none", "pre", flat, 3, "auto", 1, "he"); }), Contains("valid: kaiming"));
  CHECK_THAT(message([&] { build("mlp", "none", "pre", flat, 3, "auto", 1, "normal:std=-1"); }), Contains("std"));
  // A normalizer that cannot apply names the layer and what is valid.
  const std::string instance = message([&] { build("mlp:widths=8", "instance", "pre", flat, 3); });
  CHECK_THAT(instance, Contains("layer 0 (Linear(6, 8))"));
  CHECK_THAT(instance, Contains("at least one spatial dim"));
  const std::string groups = message([&] { build("mlp:widths=8x6", "group:num_groups=4", "pre", flat, 3); });
  CHECK_THAT(groups, Contains("Linear(8, 6)"));
  CHECK_THAT(groups, Contains("valid: 1, 2, 3, 6"));
  CHECK_THAT(message([&] { build("resnet:depth=9", "batch", "pre", image, 3); }), Contains("6n+2"));
  CHECK_THAT(message([&] { build("vgg", "batch", "pre", flat, 3); }), Contains("(C, H, W)"));
  CHECK_THAT(message([&] { build("vgg:widths=4x4x4x4", "batch", "pre", {3, 8, 8}, 3); }), Contains("fewer widths"));
  CHECK_THAT(message([&] { build("vgg", "batch", "pre", image, 0); }), Contains("number of classes"));
  // Through normlab: exit status 2 and the message.
  const std::string command = std::string(NORMLAB_EXE) +
                              " model --model mlp:in=256,widths=128x64,out=10 --norm group:num_groups=5 > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  CHECK(WEXITSTATUS(status) == 2);
}
