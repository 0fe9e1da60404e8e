// Weight standardization (Qiao et al., 2019), as timm's StdConv2d: a reparameterization of a
// weight tensor w: (out, *in) as
//     ŵ = (w - mean(w)) / sqrt(var(w) + eps)   per output row over all dims but dim 0,
// var the biased variance. Its "input" is w and its output ŵ; no parameters, no buffers.
//
// This is layer normalization of the (out, rest) matrix without the affine step, so it is one:
// the grouped-row kernels with the layout (out, rest, 1), one group. A constant row is no error:
// it standardizes to 0 (to rounding) and its gradient is the formula's, (dŵ - mean dŵ)/sqrt(eps).
#include "norms/grouped_norm.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

struct WeightStdOptions {
  double eps;
  static WeightStdOptions parse(const Spec& spec) { return {positive_eps(spec)}; }
};

Shape standardized_weight_shape_of(const Shape& example) {
  if (example.empty() || shape_product(example) == 0)
    throw InputError("weight standardization expects a non-empty weight tensor of shape (out, *in), got " +
                     shape_string(example));
  return example;
}

template <class T>
class WeightStd final : public GroupedNorm<T> {
 public:
  WeightStd(const WeightStdOptions& options, const Shape& example)
      : GroupedNorm<T>("weight standardization", options.eps, /*affine=*/false, {}),
        shape_(standardized_weight_shape_of(example)) {}

  std::string kind() const override { return "weight_std"; }
  std::string describe() const override {
    return "WeightStandardization(" + shape_string(shape_) + ", eps=" + format_number(this->eps_) + ")";
  }

 protected:
  // w: exactly the example's shape (out, *in), viewed as (out, rest, 1) with one group per row.
  kernels::GroupLayout layout_for(const Tensor<T>& w) const override {
    check_same_shape("weight standardization", "w", w.shape(), shape_);
    return {shape_[0], shape_product(shape_, 1), 1, 1};
  }

 private:
  Shape shape_;
};

}  // namespace

NormalizerInfo weight_std_info() {
  return normalizer_info<WeightStd, WeightStdOptions>(
      "weight_std",
      "weight standardization of a weight tensor: ŵ = (w - mean)/sqrt(var + eps) per output row, biased "
      "variance (Qiao et al. 2019; timm's StdConv2d)",
      {{"eps", "1e-6", "added to the variance"}},
      {NormRole::weight, false, false, 1, /*raw_weight_name=*/"", {"weight_std", "weight_std:eps=1e-3"}, /*includes_activation=*/{}});
}

}  // namespace normlab
