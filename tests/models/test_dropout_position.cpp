// Dropout's position in a hidden block (model key dropout_position, model_builder.hpp): the layer
// order normlab model prints in both placements, whole-model gradients in double with the dropout
// masks held fixed, the ReLU identity of the two positions without a normalizer, and the deep
// plain CNN keys (pool_every, widths W*N).
#include <string>
#include <vector>

#include "experiments/layers/dropout.hpp"
#include "experiments/models/model.hpp"
#include "layers/gradcheck.hpp"
#include "models/run_normlab.hpp"
#include "norms/core/errors.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

// The layer descriptions of the first hidden block as normlab model prints them, by kind:
// "Linear", "BatchNorm", "ReLU", "Dropout" in the order of the table's rows 0..3.
std::vector<std::string> first_block(const std::string& arguments) {
  const auto result = run_normlab("model " + arguments);
  INFO(result.output);
  REQUIRE(result.exit_status == 0);
  std::vector<std::string> kinds;
  for (const char* row : {"\n0 ", "\n1 ", "\n2 ", "\n3 "}) {
    const std::size_t at = result.output.find(row);
    REQUIRE(at != std::string::npos);
    const std::size_t begin = result.output.find_first_not_of(' ', at + std::string(row).size());
    kinds.push_back(result.output.substr(begin, result.output.find('(', begin) - begin));
  }
  return kinds;
}

std::vector<Dropout<double>*> dropouts_of(Model<double>& model) {
  std::vector<Dropout<double>*> found;
  for (auto& layer : model.layers())
    if (auto* d = dynamic_cast<Dropout<double>*>(layer.get())) found.push_back(d);
  return found;
}

// check_model_gradients (gradcheck.hpp) with every dropout mask redrawn from the same seed before
// each forward, so that the loss is a deterministic function of the parameters.
void check_with_fixed_masks(const std::string& model_spec, const std::string& norm,
                            const std::string& placement, const Shape& sample, std::size_t batch) {
  INFO(model_spec << " norm=" << norm << " placement=" << placement);
  ModelOptions options{model_spec, norm, placement, "auto", "kaiming"};
  Rng init(3);
  Model<double> model = build_model<double>(options, sample, 3, init);
  const auto dropouts = dropouts_of(model);
  REQUIRE(!dropouts.empty());
  Rng rng(5);
  for (auto& layer : model.layers())
    if (layer->activation_normalizer())
      for (auto& p : layer->parameters())
        for (std::size_t i = 0; i < p.value->size(); ++i)
          p.value->data()[i] += rng.normal(0.0, 0.2);
  Shape x_shape{batch};
  x_shape.insert(x_shape.end(), sample.begin(), sample.end());
  const Tensor<double> x = random_tensor(x_shape, rng);
  auto forward = [&]() -> const Tensor<double>& {
    for (std::size_t i = 0; i < dropouts.size(); ++i)
      dropouts[i]->reseed(100 + i);
    return model.forward(x, Mode::train);
  };
  const Tensor<double> r = random_tensor(shape_of(forward()), rng);
  auto loss = [&] { return dot(forward(), r); };
  loss();
  model.zero_grad();
  model.backward(r);
  auto params = model.parameters();
  std::vector<Tensor<double>> grads;
  for (auto& p : params)
    grads.push_back(*p.grad);
  for (std::size_t i = 0; i < params.size(); ++i)
    compare_with_finite_differences("d" + params[i].name, *params[i].value, grads[i], loss, 1e-6);
}

}  // namespace

TEST_CASE("dropout_position orders a block's layers as documented in both placements") {
  const std::string mlp = "--input 6 --classes 3 --norm batch --model mlp:widths=5x4,dropout=0.2";
  using V = std::vector<std::string>;
  CHECK(first_block(mlp + " --placement pre") == V{"Linear", "BatchNorm", "ReLU", "Dropout"});
  CHECK(first_block(mlp + ",dropout_position=after_norm --placement pre") ==
        V{"Linear", "BatchNorm", "ReLU", "Dropout"});
  CHECK(first_block(mlp + ",dropout_position=after_norm --placement post") ==
        V{"Linear", "ReLU", "BatchNorm", "Dropout"});
  CHECK(first_block(mlp + ",dropout_position=before_norm --placement pre") ==
        V{"Linear", "Dropout", "BatchNorm", "ReLU"});
  CHECK(first_block(mlp + ",dropout_position=before_norm --placement post") ==
        V{"Linear", "ReLU", "Dropout", "BatchNorm"});
  const std::string vgg = "--input 1,8,8 --classes 3 --norm layer --model vgg:widths=2x2,dropout=0.2";
  CHECK(first_block(vgg + ",dropout_position=before_norm --placement pre") ==
        V{"Conv2d", "Dropout", "LayerNorm", "ReLU"});
  CHECK(first_block(vgg + " --placement pre") == V{"Conv2d", "LayerNorm", "ReLU", "Dropout"});
}

TEST_CASE("model gradients with dropout before and after the normalizer, masks held fixed") {
  for (const char* placement : {"pre", "post"})
    for (const char* position : {"before_norm", "after_norm"}) {
      const std::string keys = std::string(",dropout=0.3,dropout_position=") + position;
      for (const char* norm : {"batch", "layer", "group:num_groups=2"})
        check_with_fixed_masks("mlp:widths=6x6,act=tanh" + keys, norm, placement, {5}, 6);
      check_with_fixed_masks("vgg:widths=2x4,act=tanh,pool=avg" + keys, "batch", placement, {2, 6, 6}, 3);
    }
}

TEST_CASE("without a normalizer the two positions build the same ReLU model") {
  // Dropout's mask scaled by 1/(1 - p) is non-negative, so it commutes with ReLU; the seeds are
  // drawn in the same order, so the two models' training-mode outputs are equal.
  Rng data(1);
  const Tensor<double> x = random_tensor({7, 5}, data);
  std::vector<Tensor<double>> outputs;
  for (const char* position : {"after_norm", "before_norm"}) {
    ModelOptions options{std::string("mlp:widths=8x8,dropout=0.4,dropout_position=") + position, "none",
                         "pre", "auto", "kaiming"};
    Rng init(9);
    Model<double> model = build_model<double>(options, {5}, 3, init);
    outputs.push_back(model.forward(x, Mode::train));
  }
  REQUIRE(outputs[0].size() == outputs[1].size());
  for (std::size_t i = 0; i < outputs[0].size(); ++i)
    CHECK(outputs[0].data()[i] == outputs[1].data()[i]);
}

TEST_CASE("deep plain CNNs: pool_every pools after every K-th block, widths repeat as W*N") {
  ModelOptions options{"vgg:widths=4*6,pool_every=3", "batch", "pre", "auto", "kaiming"};
  Rng init(1);
  Model<float> model = build_model<float>(options, {1, 8, 8}, 3, init);
  std::size_t convs = 0, pools = 0;
  for (const auto& layer : model.layers()) {
    const std::string what = layer->describe();
    convs += what.rfind("Conv2d", 0) == 0;
    pools += what.rfind("MaxPool2d", 0) == 0;
  }
  CHECK(convs == 6);
  CHECK(pools == 2);
  const auto result = run_normlab("model --model vgg:widths=4*6,pool_every=3 --input 1,8,8 --classes 3");
  CHECK(result.output.find("(N, 4, 2, 2)") != std::string::npos);
  CHECK(result.output.find("(N, 4, 1, 1)") == std::string::npos);
  // Poolings that shrink below 1x1, a zero pool_every, a bad position or repeat: one line, exit 2.
  for (const char* bad :
       {"vgg:widths=4*6,pool_every=1", "vgg:widths=4,pool_every=0",
        "vgg:widths=4,dropout=0.1,dropout_position=middle", "vgg:widths=4*0", "vgg:widths=4*x"}) {
    const auto failed = run_normlab(std::string("model --model ") + bad + " --input 1,8,8 --classes 3");
    INFO(bad << ": " << failed.output);
    CHECK(failed.exit_status == 2);
  }
  ModelOptions repeated{"mlp:widths=5x3*2", "none", "pre", "auto", "kaiming"};
  Rng again(1);
  Model<float> mlp = build_model<float>(repeated, {4}, 2, again);
  std::size_t values = 0;
  for (const auto& p : mlp.parameters())
    values += p.value->size();
  CHECK(values == (4 * 5 + 5) + (5 * 3 + 3) + (3 * 3 + 3) + (3 * 2 + 2));
}
