// Whole sequence models: finite-difference checks (double; layers/gradcheck.hpp) of every
// parameter gradient of small Transformers in both placements with every per-token normalizer,
// with and without weight tying; normalizers that need spatial dims or that include an
// activation are refused with the list of those that apply (asked of the registry's traits).
#include <algorithm>
#include <string>

#include "experiments/models/model.hpp"
#include "experiments/models/model_registry.hpp"
#include "layers/gradcheck.hpp"
#include "norms/registry.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

Tensor<double> token_ids(std::size_t n, std::size_t t, std::size_t vocab, Rng& rng) {
  Tensor<double> x = Tensor<double>::from_shape({n, t});
  for (std::size_t i = 0; i < x.size(); ++i)
    x.data()[i] = double(rng.below(vocab));
  return x;
}

void check(const std::string& model_spec, const std::string& norm, const std::string& placement) {
  INFO(model_spec << " norm=" << norm << " placement=" << placement);
  ModelOptions options{model_spec, norm, placement, "auto", "kaiming"};
  Rng init(3);
  Model<double> model = build_model<double>(options, {4}, 5, init);
  Rng rng(5);
  for (auto& p : model.parameters())  // away from GPT-2's small initialization and unit gains
    for (std::size_t i = 0; i < p.value->size(); ++i)
      p.value->data()[i] += rng.normal(0.0, 0.3);
  check_model_gradients(model, token_ids(3, 4, 5, rng));
}

}  // namespace

TEST_CASE("transformer gradients in both placements with every per-token normalizer") {
  for (const char* placement : {"pre", "post"})
    for (const char* norm : {"layer", "rms", "batch", "none"}) {
      check("transformer:layers=2,width=4,heads=2,mlp_ratio=2", norm, placement);
      check("transformer:layers=1,width=4,heads=1,mlp_ratio=1,tie_weights=false", norm, placement);
    }
}

TEST_CASE("transformer logits are (N·T, V) and position t ignores later tokens") {
  ModelOptions options{"transformer:layers=2,width=8,heads=2", "layer", "pre", "auto", "kaiming"};
  Rng init(1);
  Model<double> model = build_model<double>(options, {6}, 7, init);
  Rng rng(2);
  Tensor<double> x = token_ids(2, 6, 7, rng);
  const Tensor<double> before = model.forward(x, Mode::eval);
  REQUIRE(before.shape()[0] == 12);
  REQUIRE(before.shape()[1] == 7);
  x.data()[6 + 4] = double((std::size_t(x.data()[6 + 4]) + 1) % 7);  // sequence 1, position 4
  const Tensor<double>& after = model.forward(x, Mode::eval);
  for (std::size_t row = 0; row < 12; ++row) {
    bool same = true;
    for (std::size_t v = 0; v < 7; ++v)
      same = same && after.data()[row * 7 + v] == before.data()[row * 7 + v];
    CHECK(same == (row < 10));
  }
}

TEST_CASE("sequence models refuse normalizers that do not apply per token, by their traits") {
  Rng init(1);
  for (const auto& info : normalizer_registry().entries()) {
    const bool applies = info.traits.role == NormRole::identity ||
                         (info.traits.role == NormRole::activation && info.traits.min_rank <= 2 &&
                          !info.traits.includes_activation);
    const std::string spec = info.traits.examples.front();
    INFO(spec);
    ModelOptions options{"transformer:layers=1,width=8,heads=2", spec, "pre", "auto", "kaiming"};
    if (applies) {
      CHECK_NOTHROW(build_model<float>(options, {4}, 5, init));
    } else {
      CHECK_THROWS_WITH(build_model<float>(options, {4}, 5, init),
                        Catch::Contains("does not apply to a sequence model") && Catch::Contains("valid: ") &&
                            Catch::Contains("layer"));
    }
  }
  ModelOptions options{"transformer:layers=1,width=8,heads=3", "layer", "pre", "auto", "kaiming"};
  CHECK_THROWS_WITH(build_model<float>(options, {4}, 5, init), Catch::Contains("heads"));
  options.model = "transformer";
  CHECK_THROWS_WITH(build_model<float>(options, {1, 28, 28}, 10, init),
                    Catch::Contains("windows of token ids"));
}

TEST_CASE("lstm gradients with every per-step normalizer, and its layers") {
  for (const char* norm : {"none", "layer", "rms", "batch"}) {
    check("lstm:layers=2,hidden=3,embed=2", norm, "pre");
    check("lstm:layers=1,hidden=2,embed=3", norm, "post");
  }
  ModelOptions options{"lstm:layers=2,hidden=8,embed=4", "layer", "pre", "auto", "kaiming"};
  Rng init(1);
  Model<float> model = build_model<float>(options, {6}, 7, init);
  REQUIRE(model.layers().size() == 4);  // embedding, 2 LSTM layers, head
  CHECK_THAT(model.layers()[1]->describe(), Catch::Contains("LSTM(4, 8") && Catch::Contains("LayerNorm"));
  options.norm = "instance";
  CHECK_THROWS_WITH(build_model<float>(options, {6}, 7, init),
                    Catch::Contains("does not apply to a sequence model"));
}

TEST_CASE("lstm placement pre and post build the same model, as its trait placement_applies = false says") {
  const Spec spec = model_registry().parse("lstm");
  REQUIRE_FALSE(model_registry().find(spec.kind()).traits.placement_applies);
  CHECK(model_registry().find("transformer").traits.placement_applies);
  for (const char* norm : {"layer", "rms", "batch"}) {
    INFO(norm);
    Rng init_pre(4), init_post(4), data(6);
    Model<double> pre = build_model<double>(
        {"lstm:layers=2,hidden=4,embed=3", norm, "pre", "auto", "kaiming"}, {5}, 6, init_pre);
    Model<double> post = build_model<double>(
        {"lstm:layers=2,hidden=4,embed=3", norm, "post", "auto", "kaiming"}, {5}, 6, init_post);
    REQUIRE(pre.layers().size() == post.layers().size());
    for (std::size_t i = 0; i < pre.layers().size(); ++i)
      CHECK(pre.layers()[i]->describe() == post.layers()[i]->describe());
    auto pre_params = pre.parameters(), post_params = post.parameters();
    REQUIRE(pre_params.size() == post_params.size());
    for (std::size_t i = 0; i < pre_params.size(); ++i) {
      CHECK(pre_params[i].name == post_params[i].name);
      CHECK(std::equal(pre_params[i].value->begin(), pre_params[i].value->end(),
                       post_params[i].value->begin()));
    }
    const Tensor<double> x = token_ids(3, 5, 6, data);
    const Tensor<double> y_pre = pre.forward(x, Mode::train);
    const Tensor<double>& y_post = post.forward(x, Mode::train);
    CHECK(std::equal(y_pre.begin(), y_pre.end(), y_post.begin()));
  }
}

TEST_CASE("sequence models refuse every weight reparameterization in reparam, naming what is allowed") {
  Rng init(1);
  std::size_t refused = 0;
  for (const char* model : {"transformer:layers=1,width=8,heads=2", "lstm:hidden=4,embed=3"})
    for (const auto& info : normalizer_registry().entries()) {
      if (info.traits.role != NormRole::weight) continue;
      for (const char* norm : {"none", "layer"}) {
        ModelOptions options{model, norm, "pre", "auto", "kaiming", info.traits.examples.front()};
        INFO(model << " norm=" << norm << " reparam=" << options.reparam);
        CHECK_THROWS_WITH(
            build_model<float>(options, {4}, 5, init),
            Catch::Contains("reparam '" + options.reparam + "' does not apply to a sequence model") &&
                Catch::EndsWith("valid: none"));
        ++refused;
      }
    }
  CHECK(refused >= 2 * 2 * 3);  // weight, spectral and weight_std at least
  ModelOptions identity{"lstm:hidden=4,embed=3", "layer", "pre", "auto", "kaiming", "none"};
  CHECK_NOTHROW(build_model<float>(identity, {4}, 5, init));
}
