// The `reparam` key: an activation normalizer (`norm`) and a weight reparameterization of every
// hidden Linear/Conv2d weight at the same time (GN + WS, Qiao et al. 2019; mean-only BN + weight
// norm, Salimans & Kingma 2016). Finite-difference gradients of whole models in double, every
// registered combination built in both placements, PyTorch's parameter names, bias=auto, and the
// errors for a reparam that is not a weight reparameterization.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "experiments/models/model.hpp"
#include "experiments/models/model_builder.hpp"
#include "layers/gradcheck.hpp"
#include "norms/core/errors.hpp"
#include "norms/registry.hpp"
#include "run_normlab.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

template <class T>
Model<T> build(const std::string& model, const std::string& norm, const std::string& reparam,
               const std::string& placement, const Shape& sample, std::size_t classes) {
  ModelOptions options{model, norm, placement, "auto", "kaiming", reparam};
  Rng init(3);
  return build_model<T>(options, sample, classes, init);
}

std::set<std::string> names_of(Model<float>& model) {
  std::set<std::string> names;
  for (const auto& p : model.parameters())
    names.insert(p.name);
  for (const auto& b : model.buffers())
    names.insert(b.name);
  return names;
}

std::string error_of(const std::string& norm, const std::string& reparam) {
  try {
    build<float>("mlp:widths=8", norm, reparam, "pre", {4}, 3);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void check_gradients(const std::string& model_spec, const std::string& norm, const std::string& reparam,
                     const std::string& placement, const Shape& sample) {
  INFO(model_spec << " norm=" << norm << " reparam=" << reparam << " placement=" << placement);
  Model<double> model = build<double>(model_spec, norm, reparam, placement, sample, 3);
  // A generic point: the normalizers' affine parameters and weight norm's g moved off their init.
  Rng rng(5);
  std::vector<Layer<double>*> layers;
  for (auto& layer : model.layers()) {
    layers.push_back(layer.get());
    for (auto& [name, sublayer] : layer->sublayers())
      layers.push_back(sublayer);
  }
  for (Layer<double>* layer : layers)
    for (auto& p : layer->parameters()) {
      if (layer->activation_normalizer())
        for (std::size_t i = 0; i < p.value->size(); ++i)
          p.value->data()[i] += rng.normal(0.0, 0.2);
      if (p.name == "weight_g")
        for (std::size_t i = 0; i < p.value->size(); ++i)
          p.value->data()[i] *= 1 + rng.normal(0.0, 0.2);
    }
  Shape x_shape{4};
  x_shape.insert(x_shape.end(), sample.begin(), sample.end());
  check_model_gradients(model, random_tensor(x_shape, rng));
}

}  // namespace

TEST_CASE("GN + WS and mean-only BN + weight norm: model gradients in double in both placements") {
  for (const char* placement : {"pre", "post"}) {
    check_gradients("vgg:widths=4x4,act=tanh,pool=avg", "group:num_groups=2", "weight_std", placement,
                    {2, 6, 6});
    check_gradients("resnet:depth=8,width=4", "group:num_groups=2", "weight_std", placement, {2, 8, 8});
    check_gradients("mlp:widths=6x5,act=tanh", "mean_only", "weight", placement, {5});
    check_gradients("vgg:widths=4x4,act=tanh,pool=avg", "mean_only", "weight", placement, {2, 6, 6});
    // Spectral norm's u, v are constants of the backward pass: converged, so that the training
    // forwards the finite differences repeat are a function of the parameters.
    check_gradients("mlp:widths=6x5,act=tanh", "layer", "spectral:n_power_iterations=200", placement, {5});
  }
}

TEST_CASE("every activation normalizer builds with every weight reparameterization in both placements") {
  std::size_t combinations = 0;
  for (const auto& norm : normalizer_registry())
    for (const auto& reparam : normalizer_registry()) {
      if (norm.traits.role != NormRole::activation || reparam.traits.role == NormRole::activation) continue;
      for (const char* placement : {"pre", "post"})
        for (const char* model : {"vgg:widths=4x4", "resnet:depth=8,width=4"}) {
          const std::string norm_spec = norm.traits.examples.front(),
                            reparam_spec = reparam.traits.examples.front();
          INFO(model << " norm=" << norm_spec << " reparam=" << reparam_spec << " placement=" << placement);
          Model<float> m = build<float>(model, norm_spec, reparam_spec, placement, {3, 8, 8}, 10);
          // The hidden conv weights are reparameterized: a raw-weight name per hidden conv.
          std::size_t reparameterized = 0, norm_layers = 0;
          for (const auto& p : m.parameters())
            if (p.name.find("weight_v") != std::string::npos ||
                p.name.find("weight_orig") != std::string::npos)
              ++reparameterized;
          std::vector<Layer<float>*> layers;
          for (auto& layer : m.layers()) {
            layers.push_back(layer.get());
            for (auto& sub : layer->sublayers())
              layers.push_back(sub.second);
          }
          for (Layer<float>* layer : layers)
            norm_layers += layer->activation_normalizer() != nullptr;
          CHECK(norm_layers > 0);
          if (reparam.kind == "weight" || reparam.kind == "spectral") CHECK(reparameterized > 0);
          if (reparam.traits.role == NormRole::identity) CHECK(reparameterized == 0);
          Rng rng(1);
          Tensor<float> x = Tensor<float>::from_shape({4, 3, 8, 8});
          for (std::size_t i = 0; i < x.size(); ++i)
            x.data()[i] = float(rng.normal(0.0, 1.0));
          for (Mode mode : {Mode::train, Mode::eval}) {
            const Tensor<float>& y = m.forward(x, mode);
            for (std::size_t i = 0; i < y.size(); ++i)
              REQUIRE(std::isfinite(y.data()[i]));
          }
          ++combinations;
        }
    }
  CHECK(combinations >= 10 * 4 * 2 * 2);  // at least ten activation normalizers, four reparams
}

TEST_CASE("reparam gives PyTorch's parameter names and leaves the normalizer's own") {
  auto gn_ws = build<float>("vgg:widths=4", "group:num_groups=2", "weight_std", "pre", {3, 8, 8}, 10);
  const auto ws_names = names_of(gn_ws);
  CHECK(
      ws_names.count("0.weight"));  // weight standardization has no parameters: the raw weight keeps its name
  CHECK(ws_names.count("1.weight"));  // group norm's affine weight and bias
  CHECK(ws_names.count("1.bias"));
  CHECK_FALSE(ws_names.count("0.bias"));  // bias=auto: group norm's shift follows the conv

  auto mo_wn = build<float>("mlp:widths=8", "mean_only", "weight", "pre", {5}, 3);
  const auto wn_names = names_of(mo_wn);
  CHECK(wn_names.count("0.weight_g"));
  CHECK(wn_names.count("0.weight_v"));
  CHECK_FALSE(wn_names.count("0.weight"));
  CHECK_FALSE(wn_names.count("0.bias"));  // mean-only BN's bias replaces it
  CHECK(wn_names.count("1.bias"));
  CHECK(wn_names.count("1.running_mean"));

  auto bn_sn = build<float>("mlp:widths=8", "batch", "spectral", "post", {5}, 3);
  const auto sn_names = names_of(bn_sn);
  CHECK(sn_names.count("0.weight_orig"));
  CHECK(sn_names.count("0.weight_u"));
  CHECK(sn_names.count("0.weight_v"));
  CHECK(sn_names.count("0.bias"));  // post: an activation, not the normalizer, follows the layer
  CHECK(sn_names.count("2.running_var"));
  // The output layer is never reparameterized.
  CHECK(sn_names.count("3.weight"));
  CHECK_FALSE(sn_names.count("3.weight_orig"));

  // Without an activation normalizer, bias=auto keeps every bias.
  auto ws_only = build<float>("mlp:widths=8", "none", "weight_std", "pre", {5}, 3);
  CHECK(names_of(ws_only).count("0.bias"));
}

TEST_CASE("reparam alone equals norm = \"weight\", which keeps working as before") {
  auto as_norm = build<double>("mlp:widths=8x6", "weight", "none", "pre", {5}, 3);
  auto as_reparam = build<double>("mlp:widths=8x6", "none", "weight", "pre", {5}, 3);
  auto a = as_norm.parameters(), b = as_reparam.parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    for (std::size_t j = 0; j < a[i].value->size(); ++j)
      CHECK(a[i].value->data()[j] == b[i].value->data()[j]);
  }
  Rng rng(2);
  const Tensor<double> x = random_tensor({3, 5}, rng);
  const Tensor<double> ya = as_norm.forward(x, Mode::train), yb = as_reparam.forward(x, Mode::train);
  for (std::size_t i = 0; i < ya.size(); ++i)
    CHECK(ya.data()[i] == yb.data()[i]);
}

TEST_CASE("reparam must be a weight reparameterization, and not beside one in norm") {
  const std::string activation = error_of("none", "batch");
  CHECK(activation.find("reparam 'batch'") != std::string::npos);
  CHECK(activation.find("activation") != std::string::npos);
  // The allowed kinds come from the registry.
  for (const char* kind : {"none", "weight", "weight_std", "spectral"})
    CHECK(activation.find(kind) != std::string::npos);
  CHECK(activation.find("group") == std::string::npos);

  const std::string both = error_of("weight", "weight_std");
  CHECK(both.find("both reparameterize") != std::string::npos);
  CHECK(error_of("weight", "none") == "no error");
  CHECK(error_of("layer", "spectral:n_power_iterations=2") == "no error");
  CHECK(error_of("layer", "spectral:n_power_iterations=0").find("n_power_iterations") != std::string::npos);
  CHECK(error_of("layer", "nope").find("nope") != std::string::npos);
}

TEST_CASE("normlab model --reparam builds GN + WS and rejects an activation normalizer with exit status 2") {
  const auto ok = run_normlab("model --model vgg:widths=4 --norm group:num_groups=2 --reparam spectral");
  INFO(ok.output);
  CHECK(ok.exit_status == 0);
  CHECK(ok.output.find("reparam spectral") != std::string::npos);
  CHECK(ok.output.find("bias=false, spectral)") != std::string::npos);  // GN's shift follows the conv
  const auto bad = run_normlab("model --model vgg:widths=4 --norm group:num_groups=2 --reparam layer");
  INFO(bad.output);
  CHECK(bad.exit_status == 2);
  CHECK(bad.output.find("reparam 'layer'") != std::string::npos);
}

TEST_CASE("in the resnet every conv is reparameterized, the stem's and the projection shortcuts' included") {
  auto plain = build<float>("resnet:depth=8,width=4", "group:num_groups=2", "none", "pre", {3, 8, 8}, 10);
  auto spectral =
      build<float>("resnet:depth=8,width=4", "group:num_groups=2", "spectral", "pre", {3, 8, 8}, 10);
  std::size_t convs = 0, reparameterized = 0;
  for (const auto& p : plain.parameters())
    convs += p.value->dimension() == 4;
  for (const auto& p : spectral.parameters()) {
    const bool raw = p.name.size() > 12 && p.name.compare(p.name.size() - 12, 12, ".weight_orig") == 0;
    reparameterized += raw;
    if (p.value->dimension() == 4) CHECK(raw);
  }
  CHECK(convs == 9);  // stem, 3 blocks of 2, 2 projection shortcuts
  CHECK(reparameterized == convs);
}
