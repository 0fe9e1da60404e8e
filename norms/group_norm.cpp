// Group normalization (Wu & He, 2018) as torch.nn.GroupNorm(num_groups, C): per sample over
// groups of C/num_groups consecutive channels and the spatial dims, per-channel affine step.
// View: (N, C, S) with G = num_groups. G = 1 is layer norm with per-channel affine; G = C is
// instance norm.
#include "norms/grouped_norm.hpp"
#include "norms/options.hpp"
#include "norms/registry.hpp"

namespace normlab {

namespace {

struct GroupNormOptions {
  std::size_t num_groups;
  double eps;
  bool affine;
  static GroupNormOptions parse(const Spec& spec) {
    const long groups = spec.get_int("num_groups");
    if (groups < 1) spec.fail("num_groups", "must be >= 1");
    return {std::size_t(groups), positive_eps(spec), spec.get_bool("affine")};
  }
};

std::size_t checked_channels(const GroupNormOptions& options, const Shape& example) {
  const std::size_t C = channels_of_example("group norm", example);
  if (C % options.num_groups != 0) {
    std::vector<std::string> divisors;
    for (std::size_t d = 1; d <= C; ++d)
      if (C % d == 0) divisors.push_back(std::to_string(d));
    throw InputError("group norm: num_groups=" + std::to_string(options.num_groups) +
                     " must divide the number of channels C=" + std::to_string(C) +
                     "; valid: " + join(divisors, ", "));
  }
  return C;
}

template <class T>
class GroupNorm final : public GroupedNorm<T> {
 public:
  GroupNorm(const GroupNormOptions& options, const Shape& example)
      : GroupedNorm<T>("group norm", options.eps, options.affine, {checked_channels(options, example)}),
        groups_(options.num_groups),
        channels_(example[1]),
        rank_(example.size()) {}

  std::string kind() const override { return "group"; }
  std::string describe() const override {
    return "GroupNorm(" + std::to_string(groups_) + ", " + std::to_string(channels_) +
           ", eps=" + format_number(this->eps_) + ", affine=" + bool_string(this->affine_) + ")";
  }

 protected:
  kernels::GroupLayout layout_for(const Tensor<T>& input) const override {
    const auto& x = input.shape();
    check_channels("group norm", x, rank_, channels_);
    return {x[0], channels_, shape_product(x, 2), groups_};
  }

 private:
  std::size_t groups_, channels_, rank_;
};

}  // namespace

NormalizerInfo group_norm_info() {
  return normalizer_info<GroupNorm, GroupNormOptions>(
      "group",
      "group normalization: per sample over groups of channels and the spatial dims (torch.nn.GroupNorm)",
      {{"num_groups", "32", "number of channel groups; must divide C"},
       {"eps", "1e-5", "added to the variance"},
       {"affine", "true", "learnable per-channel weight and bias"}},
      {NormRole::activation, false, false, 2, "",
       {"group:num_groups=4", "group:num_groups=1", "group:num_groups=2", "group:num_groups=2,affine=false"}, /*includes_activation=*/{}});
}

}  // namespace normlab
