// Finite-difference checks (double, central differences, 1e-6 relative; see gradcheck.hpp) of
// every parameter gradient of whole small models — mlp, a tiny vgg, a tiny resnet — in each
// placement with every normalizer that applies to them.
#include <string>
#include <vector>

#include "experiments/models/model.hpp"
#include "layers/gradcheck.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

const std::vector<std::string> kPlacements = {"pre", "post", "none"};

void check(const std::string& model_spec, const std::string& norm, const std::string& placement,
           const Shape& sample, std::size_t batch, std::size_t classes) {
  INFO(model_spec << " norm=" << norm << " placement=" << placement);
  ModelOptions options{model_spec, norm, placement, "auto", "kaiming"};
  Rng init(3);
  Model<double> model = build_model<double>(options, sample, classes, init);
  // Move the normalizers' affine parameters away from (1, 0), and weight norm's g away from
  // ‖v‖, so that their gradients are exercised at a generic point.
  Rng rng(5);
  std::vector<Layer<double>*> layers;
  for (auto& layer : model.layers()) {
    layers.push_back(layer.get());
    for (auto& [name, sublayer] : layer->sublayers()) layers.push_back(sublayer);
  }
  for (Layer<double>* layer : layers)
    for (auto& p : layer->parameters()) {
      if (layer->activation_normalizer())
        for (std::size_t i = 0; i < p.value->size(); ++i) p.value->data()[i] += rng.normal(0.0, 0.2);
      if (p.name == "weight_g")
        for (std::size_t i = 0; i < p.value->size(); ++i) p.value->data()[i] *= 1 + rng.normal(0.0, 0.2);
    }
  Shape x_shape{batch};
  x_shape.insert(x_shape.end(), sample.begin(), sample.end());
  check_model_gradients(model, random_tensor(x_shape, rng));
}

}  // namespace

TEST_CASE("mlp gradients in every placement with every normalizer") {
  for (const auto& placement : kPlacements)
    for (const char* norm : {"batch", "layer", "group:num_groups=2", "weight", "none"}) {
      // Groups of 3 and 4 values: with groups of 2, x̂ is so curved that the central differences
      // would need a smaller step.
      check("mlp:widths=8x6,act=tanh", norm, placement, {5}, 4, 3);
      check("mlp:widths=6,act=sigmoid", norm, placement, {2, 3}, 3, 2);  // with Flatten
    }
}

TEST_CASE("vgg gradients in every placement with every normalizer") {
  for (const auto& placement : kPlacements)
    for (const char* norm : {"batch", "layer", "instance", "instance:affine=true", "group:num_groups=2", "weight",
                             "none"})
      check("vgg:widths=2x4,act=tanh,pool=max", norm, placement, {2, 6, 6}, 3, 3);
  check("vgg:widths=2x4,act=relu,pool=avg", "batch", "pre", {2, 6, 6}, 3, 3);
}

TEST_CASE("resnet gradients in every placement with every normalizer") {
  for (const auto& placement : kPlacements)
    for (const char* norm : {"batch", "layer", "instance:affine=true", "group:num_groups=2", "weight", "none"})
      check("resnet:depth=8,width=2", norm, placement, {2, 8, 8}, 3, 3);
}
