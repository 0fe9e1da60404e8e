#include "experiments/layers/layer_weight.hpp"

#include "norms/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

template <class T>
LayerWeight<T>::LayerWeight(const Shape& shape, const std::string& weight_norm_spec)
    : shape_(shape), weight_norm_spec_(weight_norm_spec) {
  v_ = Tensor<T>::from_shape(shape_);
  v_.fill(T(0));
  v_grad_ = v_;
  if (weight_norm_spec.empty()) return;
  normalizer_ = make_normalizer<T>(weight_norm_spec, shape_);
  if (normalizer_->kind() != "weight")
    throw InputError("a layer weight can only be reparameterized by weight normalization, not '" + weight_norm_spec +
                     "'");
  w_ = v_;
  w_grad_ = v_;
  v_grad_step_ = v_;
}

template <class T>
void LayerWeight<T>::reset_scale() {
  if (!normalizer_) return;
  // A fresh weight normalizer sets g = ‖v‖ (its own norm computation) on its first forward.
  normalizer_ = make_normalizer<T>(weight_norm_spec_, shape_);
  normalizer_->forward(v_, w_, Mode::train);
}

template <class T>
const Tensor<T>& LayerWeight<T>::compute() {
  if (!normalizer_) return v_;
  normalizer_->forward(v_, w_, Mode::train);
  return w_;
}

template <class T>
void LayerWeight<T>::finish_backward() {
  if (!normalizer_) return;
  // dL/dg is accumulated by the normalizer; dL/dv is assigned, so add it to v's gradient here.
  normalizer_->backward(v_, w_grad_, v_grad_step_);
  T* grad = v_grad_.data();
  const T* step = v_grad_step_.data();
  for (std::size_t i = 0, n = v_grad_.size(); i < n; ++i) grad[i] += step[i];
}

template <class T>
std::vector<ParameterRef<T>> LayerWeight<T>::parameters() {
  if (!normalizer_) return {{"weight", &v_, &v_grad_}};
  auto g = normalizer_->parameters().at(0);
  return {{"weight_g", g.value, g.grad}, {"weight_v", &v_, &v_grad_}};
}

template class LayerWeight<float>;
template class LayerWeight<double>;

}  // namespace normlab
