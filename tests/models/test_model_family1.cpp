// Models with the normalizers of issue 10 (rms, batch_renorm, ghost batch norm, mean_only,
// weight_std, spectral) in both placements: finite-difference gradients of every parameter of
// small mlp and vgg models, and spectral norm's u, v drawn from the run's initialization seed.
#include <string>
#include <vector>

#include "experiments/models/model.hpp"
#include "layers/gradcheck.hpp"

using namespace normlab;
using namespace normlab::testing;

namespace {

void check(const std::string& model_spec, const std::string& norm, const std::string& placement,
           const Shape& sample, std::size_t batch, std::size_t classes) {
  INFO(model_spec << " norm=" << norm << " placement=" << placement);
  Rng init(3);
  Model<double> model =
      build_model<double>({model_spec, norm, placement, "auto", "kaiming"}, sample, classes, init);
  Rng rng(5);
  Shape x_shape{batch};
  x_shape.insert(x_shape.end(), sample.begin(), sample.end());
  check_model_gradients(model, random_tensor(x_shape, rng));
}

// Training forwards that the finite differences repeat must be a function of the parameters:
// batch renorm clipped to r = 1, d = 0 (its r, d are constants in backward), spectral norm with
// enough power steps to converge (its u, v are), ghost batches that divide the batch of 4.
const std::vector<std::string> kNorms = {
    "rms",        "batch_renorm:rmax=1,dmax=0",      "mean_only",
    "weight_std", "spectral:n_power_iterations=200", "batch:virtual_batch_size=2"};

}  // namespace

TEST_CASE("mlp and vgg gradients with the family1 normalizers in both placements") {
  for (const char* placement : {"pre", "post"})
    for (const auto& norm : kNorms) {
      check("mlp:widths=8x6,act=tanh", norm, placement, {5}, 4, 3);
      check("vgg:widths=2x4,act=tanh,pool=max", norm, placement, {2, 6, 6}, 4, 3);
    }
}

TEST_CASE("spectral norm's u and v come from the run's initialization seed") {
  const auto first_u = [](std::uint64_t seed, const std::string& norm) {
    Rng init(seed);
    Model<double> model =
        build_model<double>({"mlp:widths=8x6", norm, "pre", "auto", "kaiming"}, {5}, 3, init);
    for (auto& b : model.buffers())
      if (b.name.find("weight_u") != std::string::npos) return *b.value;
    FAIL("no weight_u buffer");
    return Tensor<double>();
  };
  const Tensor<double> a = first_u(1, "spectral"), b = first_u(1, "spectral"), c = first_u(2, "spectral");
  REQUIRE(a.size() == 8);
  double same = 0, different = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    same = std::max(same, std::abs(a.data()[i] - b.data()[i])),
    different = std::max(different, std::abs(a.data()[i] - c.data()[i]));
  CHECK(same == 0);
  CHECK(different > 1e-3);
  // Reparameterizations without random state draw nothing extra: weight_std's weights are weight
  // norm's directions, layer for layer.
  Rng init_a(7), init_b(7);
  Model<double> standardized =
      build_model<double>({"mlp:widths=8x6", "weight_std", "pre", "auto", "kaiming"}, {5}, 3, init_a);
  Model<double> normalized =
      build_model<double>({"mlp:widths=8x6", "weight", "pre", "auto", "kaiming"}, {5}, 3, init_b);
  std::vector<Tensor<double>> raw_a, raw_b;
  for (auto& p : standardized.parameters())
    if (p.name == "0.weight" || p.name == "2.weight" || p.name == "4.weight") raw_a.push_back(*p.value);
  for (auto& p : normalized.parameters())
    if (p.name == "0.weight_v" || p.name == "2.weight_v" ||
        p.name == "4.weight")  // the output layer is plain
      raw_b.push_back(*p.value);
  REQUIRE(raw_a.size() == 3);
  REQUIRE(raw_b.size() == raw_a.size());
  for (std::size_t k = 0; k < raw_a.size(); ++k)
    for (std::size_t i = 0; i < raw_a[k].size(); ++i)
      REQUIRE(raw_a[k].data()[i] == raw_b[k].data()[i]);
}
