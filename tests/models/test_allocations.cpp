// A steady-state training step allocates nothing in the layers and the model: they own their
// outputs and gradients and resize only when a shape changes. Counted by replacing the global
// operator new for this test executable. (Normalizers are left out: norms/ is checked on its own.)
#include <catch2/catch.hpp>

#include "allocation_counter.hpp"

#include "experiments/models/model.hpp"

using namespace normlab;

TEST_CASE("a steady-state training step of the layers allocates nothing") {
  for (const auto& [spec, sample] : std::vector<std::pair<std::string, Shape>>{
           {"mlp:widths=32x16,act=sigmoid,dropout=0.1", {1, 6, 6}},
           {"mlp:widths=32,act=tanh", {20}},
           {"vgg:widths=4x8,pool=avg", {3, 8, 8}},
           {"vgg:widths=4x8,pool=max", {3, 8, 8}},
           {"resnet:depth=8,width=4", {3, 8, 8}}}) {
    INFO(spec);
    Rng rng(1);
    Model<float> model = build_model<float>({spec, "none", "pre", "auto", "kaiming"}, sample, 5, rng);
    Shape batch{4};
    batch.insert(batch.end(), sample.begin(), sample.end());
    Tensor<float> x = Tensor<float>::from_shape(batch);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 11) * 0.1f - 0.5f;
    Tensor<float> dlogits = Tensor<float>::from_shape({4, 5});
    dlogits.fill(0.1f);
    auto step = [&] {
      model.forward(x, Mode::train);
      model.zero_grad();
      model.backward(dlogits);
    };
    step();  // the first step sizes every buffer
    const long before = normlab::testing::allocation_count();
    step();
    step();
    model.forward(x, Mode::eval);
    CHECK(normlab::testing::allocation_count() - before == 0);
  }
}
