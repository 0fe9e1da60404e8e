// The identity: the ablation baseline, "no normalization".
#include "norms/registry.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

namespace {

template <class T>
class Identity final : public Normalizer<T> {
 public:
  Identity(NoOptions, const Shape&) {}
  std::string kind() const override { return "none"; }
  std::string describe() const override { return "Identity()"; }
  void forward(const Tensor<T>& x, Tensor<T>& y, Mode) override {
    ensure_shape(y, x.shape());
    std::copy(x.data(), x.data() + x.size(), y.data());
  }
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    check_same_shape("identity backward", "dy", dy.shape(), x.shape());
    ensure_shape(dx, dy.shape());
    std::copy(dy.data(), dy.data() + dy.size(), dx.data());
  }
};

}  // namespace

NormalizerInfo identity_info() {
  return normalizer_info<Identity, NoOptions>("none", "identity: no normalization (the ablation baseline)",
                                              {}, {NormRole::identity, false, false, 1, "", {"none"}, /*includes_activation=*/{}});
}

}  // namespace normlab
