// Group normalization's two limits: with 1 group it is layer normalization over (C, *spatial)
// (with per-channel instead of per-element affine), and with C groups it is instance
// normalization. Compared through the library on y, dx and the parameter gradients, in double
// (abs and rel 1e-12) and float (1e-6).
#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace normlab::testing {

namespace {

template <class T>
Tolerance tolerance() {
  return sizeof(T) == 4 ? Tolerance{1e-6, 1e-6} : Tolerance{1e-12, 1e-12};
}

template <class T>
void check_one_group_is_layer_norm(const Shape& shape) {
  INFO("shape " << shape_string(shape) << ", " << (sizeof(T) == 4 ? "float" : "double"));
  const Tensor<T> x = random_tensor<T>(shape, "equiv/x", 0.3, 1.7), dy = random_tensor<T>(shape, "equiv/dy");
  const std::size_t C = shape[1], S = shape_product(shape, 2);

  // Without affine: identical.
  auto group = make_normalizer<T>("group:num_groups=1,affine=false", shape);
  auto layer = make_normalizer<T>("layer:elementwise_affine=false", shape);
  Results<T> g = run_normalizer(*group, x, dy, Mode::train), l = run_normalizer(*layer, x, dy, Mode::train);
  CHECK(describe_mismatch(g["y"], l["y"], tolerance<T>()) == "");
  CHECK(describe_mismatch(g["dx"], l["dx"], tolerance<T>()) == "");

  // With affine: layer norm's per-element γ, β set to group norm's per-channel values broadcast
  // over the spatial dims; the per-channel gradients are the spatial sums of the per-element ones.
  auto group_affine = make_normalizer<T>("group:num_groups=1", shape);
  set_nontrivial_state(*group_affine, "equiv");
  auto layer_affine = make_normalizer<T>("layer", shape);
  for (const std::string name : {"weight", "bias"}) {
    const Tensor<T>& per_channel = group_affine->parameter(name);
    Tensor<T> per_element = Tensor<T>::from_shape(shape_of(layer_affine->parameter(name)));
    for (std::size_t i = 0; i < per_element.size(); ++i)
      per_element.data()[i] = per_channel.data()[i / S];
    layer_affine->set(name, per_element);
  }
  g = run_normalizer(*group_affine, x, dy, Mode::train);
  l = run_normalizer(*layer_affine, x, dy, Mode::train);
  CHECK(describe_mismatch(g["y"], l["y"], tolerance<T>()) == "");
  CHECK(describe_mismatch(g["dx"], l["dx"], tolerance<T>()) == "");
  for (const std::string name : {"dweight", "dbias"}) {
    INFO(name);
    Tensor<double> summed = Tensor<double>::from_shape({C});
    summed.fill(0.0);
    for (std::size_t i = 0; i < l[name].size(); ++i)
      summed.data()[i / S] += double(l[name].data()[i]);
    CHECK(describe_mismatch(g[name], summed, tolerance<T>()) == "");
  }
}

template <class T>
void check_c_groups_is_instance_norm(const Shape& shape, Mode mode) {
  INFO("shape " << shape_string(shape) << ", " << (sizeof(T) == 4 ? "float" : "double"));
  const Tensor<T> x = random_tensor<T>(shape, "equiv/x", 0.3, 1.7), dy = random_tensor<T>(shape, "equiv/dy");
  const std::string C = std::to_string(shape[1]);
  for (const std::string affine : {"true", "false"}) {
    INFO("affine=" << affine);
    auto group = make_normalizer<T>("group:num_groups=" + C + ",affine=" + affine, shape);
    auto instance = make_normalizer<T>("instance:affine=" + affine, shape);
    set_nontrivial_state(*group, "equiv/instance");
    set_nontrivial_state(*instance, "equiv/instance");
    Results<T> g = run_normalizer(*group, x, dy, mode), i = run_normalizer(*instance, x, dy, mode);
    REQUIRE(g.size() == i.size());
    for (const auto& [name, tensor] : g) {
      INFO(name);
      CHECK(describe_mismatch(tensor, i[name], tolerance<T>()) == "");
    }
  }
}

}  // namespace

TEST_CASE("group norm with 1 group equals layer norm over (C, *spatial)", "[equivalence]") {
  for (const Shape& shape : {Shape{5, 6}, Shape{3, 4, 5}, Shape{2, 4, 3, 3}}) {
    check_one_group_is_layer_norm<double>(shape);
    check_one_group_is_layer_norm<float>(shape);
  }
}

TEST_CASE("group norm with C groups equals instance norm", "[equivalence]") {
  for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 6, 3, 3}})
    for (Mode mode : {Mode::train, Mode::eval}) {
      check_c_groups_is_instance_norm<double>(shape, mode);
      check_c_groups_is_instance_norm<float>(shape, mode);
    }
}

}  // namespace normlab::testing
