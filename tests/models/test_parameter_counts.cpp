// The source material's two networks: Linear(256,128, no bias) -> BatchNorm1d(128) -> ReLU ->
// Linear(128,64, no bias) -> BatchNorm1d(64) -> ReLU -> Linear(64,10) has 41,994 learnable
// parameters; the post-activation variant with biases has 42,186. Counted through the library
// and through the normlab executable; and a count per normalizer and placement.
#include <string>

#include <catch2/catch.hpp>

#include "experiments/models/model.hpp"
#include "experiments/models/model_summary.hpp"
#include "models/run_normlab.hpp"

using namespace normlab;
using normlab::testing::run_normlab;

namespace {

const char* kSourceMlp = "mlp:in=256,widths=128x64,out=10,act=relu";

std::size_t count(const std::string& model_spec, const std::string& norm, const std::string& placement,
                  const std::string& bias = "auto", const Shape& input = {}, std::size_t classes = 0) {
  ModelOptions options{model_spec, norm, placement, bias, "kaiming"};
  Rng rng(0);
  Model<float> model = build_model<float>(options, input, classes, rng);
  return parameter_count(model);
}

}  // namespace

TEST_CASE("the source material's MLP has 41,994 parameters pre-activation without biases") {
  CHECK(count(kSourceMlp, "batch", "pre") == 41994);
}

TEST_CASE("the post-activation MLP with biases has 42,186 parameters") {
  CHECK(count(kSourceMlp, "batch", "post", "true") == 42186);
  // bias=auto keeps the biases too: no normalizer follows a Linear directly in post placement.
  CHECK(count(kSourceMlp, "batch", "post", "auto") == 42186);
}

TEST_CASE("normlab model prints 41,994 and 42,186") {
  auto result = run_normlab(std::string("model --model ") + kSourceMlp + " --norm batch --placement pre");
  INFO(result.output);
  CHECK(result.exit_status == 0);
  CHECK(result.output.find("total: 41,994 learnable parameters") != std::string::npos);
  CHECK(result.output.find("Linear(256, 128, bias=false)") != std::string::npos);
  result = run_normlab(std::string("model --model ") + kSourceMlp + " --norm batch --placement post --bias true");
  INFO(result.output);
  CHECK(result.exit_status == 0);
  CHECK(result.output.find("total: 42,186 learnable parameters") != std::string::npos);
}

TEST_CASE("parameter counts of every normalizer in every placement (mlp 256-128-64-10)") {
  // Linear weights 256·128 + 128·64 + 64·10, output bias 10; hidden biases 128 + 64 when kept.
  const std::size_t weights = 256 * 128 + 128 * 64 + 64 * 10 + 10, hidden_biases = 128 + 64;
  const std::size_t affine = 2 * (128 + 64);  // weight and bias per feature
  // pre: a shifting normalizer drops the biases (bias=auto).
  CHECK(count(kSourceMlp, "batch", "pre") == weights + affine);
  CHECK(count(kSourceMlp, "batch:affine=false", "pre") == weights + hidden_biases);
  CHECK(count(kSourceMlp, "layer", "pre") == weights + affine);
  CHECK(count(kSourceMlp, "group:num_groups=4", "pre") == weights + affine);
  CHECK(count(kSourceMlp, "none", "pre") == weights + hidden_biases);
  // weight norm: one g per hidden output row, biases kept (no shift follows).
  CHECK(count(kSourceMlp, "weight", "pre") == weights + hidden_biases + 128 + 64);
  CHECK(count(kSourceMlp, "weight", "post") == weights + hidden_biases + 128 + 64);
  // post: biases kept.
  for (const char* norm : {"batch", "layer", "group:num_groups=4"})
    CHECK(count(kSourceMlp, norm, "post") == weights + hidden_biases + affine);
  // none: no normalizer whatever the spec.
  for (const char* norm : {"batch", "layer", "weight", "none"})
    CHECK(count(kSourceMlp, norm, "none") == weights + hidden_biases);
  // bias=false drops every hidden bias.
  CHECK(count(kSourceMlp, "batch", "post", "false") == weights + affine);
}

TEST_CASE("parameter counts of the vgg with every normalizer") {
  // vgg:widths=8x16 on (3, 16, 16): conv 3->8 and 8->16 (3x3), linear 16->10.
  const std::string vgg = "vgg:widths=8x16";
  const Shape input{3, 16, 16};
  const std::size_t weights = 3 * 8 * 9 + 8 * 16 * 9 + 16 * 10 + 10, biases = 8 + 16, affine = 2 * (8 + 16);
  CHECK(count(vgg, "batch", "pre", "auto", input, 10) == weights + affine);
  CHECK(count(vgg, "batch", "post", "auto", input, 10) == weights + biases + affine);
  CHECK(count(vgg, "group:num_groups=4", "pre", "auto", input, 10) == weights + affine);
  // instance norm has no affine step by default: no shift, so the biases stay.
  CHECK(count(vgg, "instance", "pre", "auto", input, 10) == weights + biases);
  CHECK(count(vgg, "instance:affine=true", "pre", "auto", input, 10) == weights + affine);
  // layer norm over (C, H, W): elementwise affine over the whole activation.
  CHECK(count(vgg, "layer", "pre", "auto", input, 10) == weights + 2 * (8 * 16 * 16 + 16 * 8 * 8));
  CHECK(count(vgg, "weight", "pre", "auto", input, 10) == weights + biases + 8 + 16);
  CHECK(count(vgg, "none", "pre", "auto", input, 10) == weights + biases);
}
