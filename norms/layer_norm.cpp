// Layer normalization (Ba, Kiros & Hinton, 2016) as torch.nn.LayerNorm(x.shape[1:]):
// per sample over all non-batch dims, with an elementwise affine step over those dims.
// View: (N, L, 1) with one group, L = the product of the non-batch dims.
#include "norms/grouped_norm.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

struct LayerNormOptions {
  double eps;
  bool elementwise_affine;
  bool bias;  // torch 2.1's nn.LayerNorm(bias=False): the weight without a bias (nanoGPT's blocks)
  static LayerNormOptions parse(const Spec& spec) {
    const LayerNormOptions o{positive_eps(spec), spec.get_bool("elementwise_affine"), spec.get_bool("bias")};
    if (!o.elementwise_affine && !o.bias) spec.fail("bias", "bias=false needs elementwise_affine=true");
    return o;
  }
};

Shape normalized_shape_of(const Shape& example) {
  if (example.size() < 2 || shape_product(example, 1) == 0)
    throw InputError(
        "layer norm expects input of shape (N, *normalized_shape) with a non-empty normalized shape, got " +
        shape_string(example));
  return Shape(example.begin() + 1, example.end());
}

template <class T>
class LayerNorm final : public GroupedNorm<T> {
 public:
  LayerNorm(const LayerNormOptions& options, const Shape& example)
      : GroupedNorm<T>("layer norm", options.eps, options.elementwise_affine, normalized_shape_of(example),
                       options.bias),
        normalized_shape_(normalized_shape_of(example)) {}

  std::string kind() const override { return "layer"; }
  std::string describe() const override {
    return "LayerNorm(" + shape_string(normalized_shape_) + ", eps=" + format_number(this->eps_) +
           ", elementwise_affine=" + bool_string(this->affine_) + (this->shift_ ? "" : ", bias=false") + ")";
  }

 protected:
  kernels::GroupLayout layout_for(const Tensor<T>& input) const override {
    const auto& x = input.shape();
    if (x.size() != normalized_shape_.size() + 1 ||
        !std::equal(normalized_shape_.begin(), normalized_shape_.end(), x.begin() + 1) || x[0] == 0)
      throw InputError("layer norm expects input of shape (N, " + shape_string(normalized_shape_).substr(1) +
                       ", got " + shape_string(x));
    return {x[0], shape_product(normalized_shape_), 1, 1};
  }

 private:
  Shape normalized_shape_;
};

}  // namespace

NormalizerInfo layer_norm_info() {
  return normalizer_info<LayerNorm, LayerNormOptions>(
      "layer", "layer normalization: per sample over all non-batch dims (torch.nn.LayerNorm(x.shape[1:]))",
      {{"eps", "1e-5", "added to the variance"},
       {"elementwise_affine", "true", "learnable per-element weight and bias"},
       {"bias", "true", "false: the learnable weight without a bias (torch 2.1's LayerNorm(bias=False))"}},
      {NormRole::activation,
       false,
       false,
       2,
       "",
       {"layer", "layer:elementwise_affine=false", "layer:bias=false"},
       /*includes_activation=*/{}});
}

}  // namespace normlab
