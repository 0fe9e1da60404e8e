#include "experiments/layers/layer_weight.hpp"

#include "norms/core/errors.hpp"
#include "norms/registry.hpp"

namespace normlab {

template <class T>
LayerWeight<T>::LayerWeight(const Shape& shape, const std::string& weight_norm_spec)
    : shape_(shape), weight_norm_spec_(weight_norm_spec) {
  v_ = Tensor<T>::from_shape(shape_);
  v_.fill(T(0));
  v_grad_ = v_;
  if (weight_norm_spec.empty()) return;
  const NormalizerTraits& traits = normalizer_traits(weight_norm_spec);
  if (traits.role != NormRole::weight)
    throw InputError("a layer weight can only be reparameterized by a weight normalizer, not '" + weight_norm_spec +
                     "' (a " + role_name(traits.role) + " normalizer)");
  raw_name_ = traits.raw_weight_name.empty() ? "weight" : "weight_" + traits.raw_weight_name;
  normalizer_ = make_normalizer<T>(weight_norm_spec, shape_);
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
void LayerWeight<T>::reseed(Rng& rng) {
  if (normalizer_ && normalizer_->has_random_state()) normalizer_->reseed(rng.next_u64());
}

template <class T>
const Tensor<T>& LayerWeight<T>::compute(Mode mode) {
  if (!normalizer_) return v_;
  normalizer_->forward(v_, w_, mode);
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
  // PyTorch's order under weight_norm: the normalizer's parameters (weight_g), then the raw weight.
  std::vector<ParameterRef<T>> refs;
  for (const auto& p : normalizer_->parameters()) refs.push_back({"weight_" + p.name, p.value, p.grad});
  refs.push_back({raw_name_, &v_, &v_grad_});
  return refs;
}

template <class T>
std::vector<BufferRef<T>> LayerWeight<T>::buffers() {
  std::vector<BufferRef<T>> refs;
  if (normalizer_)
    for (const auto& b : normalizer_->buffers()) refs.push_back({"weight_" + b.name, b.value});
  return refs;
}

template class LayerWeight<float>;
template class LayerWeight<double>;

}  // namespace normlab
