#include "experiments/models/model.hpp"

#include "norms/core/errors.hpp"

namespace normlab {

template <class T>
void Model<T>::plan_backward() {
  if (planned_layer_count_ == layers_.size()) return;
  first_trainable_ = layers_.size();
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (!layers_[i]->parameters().empty()) {
      first_trainable_ = i;
      break;
    }
  for (std::size_t i = 0; i < layers_.size(); ++i) layers_[i]->set_input_grad_needed(i > first_trainable_);
  parameter_cache_ = parameters();
  planned_layer_count_ = layers_.size();
}

template <class T>
const Tensor<T>& Model<T>::forward(const Tensor<T>& x, Mode mode) {
  if (layers_.empty()) throw InputError("the model has no layers");
  plan_backward();
  const Tensor<T>* h = &x;
  for (auto& layer : layers_) h = &layer->forward(*h, mode);
  return *h;
}

template <class T>
void Model<T>::backward(const Tensor<T>& dlogits) {
  plan_backward();
  const Tensor<T>* grad = &dlogits;
  for (std::size_t i = layers_.size(); i-- > first_trainable_;) grad = &layers_[i]->backward(*grad);
}

template <class T>
std::vector<ParameterRef<T>> Model<T>::parameters() {
  std::vector<ParameterRef<T>> all;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (auto& p : layers_[i]->parameters()) all.push_back({std::to_string(i) + "." + p.name, p.value, p.grad});
  return all;
}

template <class T>
std::vector<BufferRef<T>> Model<T>::buffers() {
  std::vector<BufferRef<T>> all;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (auto& b : layers_[i]->buffers()) all.push_back({std::to_string(i) + "." + b.name, b.value});
  return all;
}

template <class T>
void Model<T>::zero_grad() {
  plan_backward();
  for (auto& p : parameter_cache_) p.grad->fill(T(0));
}

template class Model<float>;
template class Model<double>;

}  // namespace normlab
