// The family2 normalizers (issue 10) in models: a normalizer that includes its activation (FRN
// with TLU, EvoNorm-B0, EvoNorm-S0) takes the activation layer's place, so no second activation
// follows it and pre and post build the same model; `normlab model` says so. Gradients of whole
// small models with every family2 normalizer in every placement.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "experiments/layers/activation.hpp"
#include "experiments/models/model.hpp"
#include "layers/gradcheck.hpp"
#include "run_normlab.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

Model<double> build(const std::string& model, const std::string& norm, const std::string& placement,
                    const Shape& sample) {
  ModelOptions options{model, norm, placement, "auto", "kaiming"};
  Rng rng(3);
  return build_model<double>(options, sample, 3, rng);
}

// Every layer and sublayer, in order.
std::vector<Layer<double>*> flat_layers(Model<double>& model) {
  std::vector<Layer<double>*> layers;
  for (auto& layer : model.layers()) {
    layers.push_back(layer.get());
    for (auto& [name, sublayer] : layer->sublayers())
      layers.push_back(sublayer);
  }
  return layers;
}

std::vector<std::string> descriptions(Model<double>& model) {
  std::vector<std::string> out;
  for (Layer<double>* layer : flat_layers(model))
    out.push_back(layer->describe());
  return out;
}

std::size_t count_activations(Model<double>& model) {
  std::size_t n = 0;
  for (Layer<double>* layer : flat_layers(model))
    n += dynamic_cast<Activation<double>*>(layer) != nullptr;
  return n;
}

}  // namespace

TEST_CASE("a normalizer that includes its activation replaces the activation layer") {
  const Shape sample{3, 8, 8};
  for (const std::string model : {"vgg:widths=4x8", "resnet:depth=8,width=4"}) {
    Model<double> with_batch_norm = build(model, "batch", "pre", sample);
    const std::size_t plain = count_activations(with_batch_norm);
    REQUIRE(plain > 0);
    for (const std::string norm : {"frn", "evonorm_b0", "evonorm_s0:num_groups=2"}) {
      INFO(model << " norm=" << norm);
      Model<double> pre = build(model, norm, "pre", sample), post = build(model, norm, "post", sample);
      // The only activations left are the residual blocks' ReLU after the add (inside ResidualBlock).
      CHECK(count_activations(pre) == 0);
      CHECK(descriptions(pre) == descriptions(post));
      bool said = false;
      for (const auto& d : descriptions(pre))
        said |= d.find("+ its activation") != std::string::npos;
      CHECK(said);
    }
    for (const std::string norm : {"frn:tlu=false", "switchable"}) {
      INFO(model << " norm=" << norm);
      Model<double> m = build(model, norm, "pre", sample);
      CHECK(count_activations(m) == plain);
    }
  }
}

TEST_CASE("normlab model says when the normalizer includes its activation") {
  for (const std::string placement : {"pre", "post"}) {
    const auto r =
        run_normlab("model --model vgg --input 3,32,32 --classes 10 --norm frn --placement " + placement);
    INFO(r.output);
    REQUIRE(r.exit_status == 0);
    CHECK(r.output.find("note: frn includes its activation") != std::string::npos);
    CHECK(r.output.find("FRN(") != std::string::npos);
    CHECK(r.output.find("+ its activation") != std::string::npos);
    CHECK(r.output.find("ReLU") == std::string::npos);
  }
  const auto plain = run_normlab("model --model vgg --norm frn:tlu=false");
  INFO(plain.output);
  REQUIRE(plain.exit_status == 0);
  CHECK(plain.output.find("note:") == std::string::npos);
  CHECK(plain.output.find("ReLU") != std::string::npos);
}

TEST_CASE("vgg and resnet gradients with every family2 normalizer in every placement") {
  for (const std::string placement : {"pre", "post", "none"})
    for (const std::string norm :
         {"frn", "frn:tlu=false", "evonorm_b0", "evonorm_s0:num_groups=2", "switchable"})
      for (const std::string model : {"vgg:widths=2x4,act=tanh,pool=max", "resnet:depth=8,width=2"}) {
        INFO(model << " norm=" << norm << " placement=" << placement);
        Model<double> m = build(model, norm, placement, {2, 8, 8});
        Rng rng(5);
        for (Layer<double>* layer : flat_layers(m))
          if (layer->activation_normalizer())
            for (auto& p : layer->parameters())
              for (std::size_t i = 0; i < p.value->size(); ++i)
                p.value->data()[i] += rng.normal(0.0, 0.2);
        check_model_gradients(m, random_tensor({3, 2, 8, 8}, rng));
      }
}
