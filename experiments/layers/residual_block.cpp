#include "experiments/layers/residual_block.hpp"

#include "norms/core/errors.hpp"
#include "experiments/layers/elementwise.hpp"
#include "experiments/layers/tensor_shapes.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

template <class T>
ResidualBlock<T>::ResidualBlock(std::string description, std::vector<NamedLayer> branch,
                                std::vector<NamedLayer> shortcut)
    : description_(std::move(description)), branch_(std::move(branch)), shortcut_(std::move(shortcut)) {
  if (branch_.empty()) throw InputError("a residual block needs at least one layer in its branch");
}

template <class T>
Shape ResidualBlock<T>::output_shape(const Shape& input) const {
  Shape branch = input, shortcut = input;
  for (const auto& [name, layer] : branch_) branch = layer->output_shape(branch);
  for (const auto& [name, layer] : shortcut_) shortcut = layer->output_shape(shortcut);
  if (branch != shortcut)
    throw InputError(description_ + ": the branch gives " + shape_string(branch) + " but the shortcut gives " +
                     shape_string(shortcut) + " for input " + shape_string(input));
  return branch;
}

template <class T>
const Tensor<T>& ResidualBlock<T>::forward(const Tensor<T>& x, Mode mode) {
  const Tensor<T>* branch = &x;
  for (auto& [name, layer] : branch_) branch = &layer->forward(*branch, mode);
  const Tensor<T>* shortcut = &x;
  for (auto& [name, layer] : shortcut_) shortcut = &layer->forward(*shortcut, mode);
  if (!same_shape(*shortcut, *branch))
    check_same_shape(description_, "the shortcut's output", shape_of(*shortcut), shape_of(*branch));  // throws
  ensure_shape_like(y_, *branch);
  const T* b = branch->data();
  const T* s = shortcut->data();
  T* y = y_.data();
  for_each_chunk(y_.size(), [&](std::size_t begin, std::size_t end) {
    // Local restrict pointers: through the captured ones every store could alias, and the loop
    // would not vectorize.
    const T* __restrict bc = b + begin;
    const T* __restrict sc = s + begin;
    T* __restrict yc = y + begin;
    for (std::size_t i = 0; i < end - begin; ++i) {
      const T z = bc[i] + sc[i];
      yc[i] = z > T(0) ? z : T(0);
    }
  });
  return y_;
}

template <class T>
const Tensor<T>& ResidualBlock<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  ensure_shape_like(dz_, dy);
  for_each_chunk(dy.size(), [&](std::size_t begin, std::size_t end) {
    const T* __restrict yc = y_.data() + begin;
    const T* __restrict gc = dy.data() + begin;
    T* __restrict dzc = dz_.data() + begin;
    for (std::size_t i = 0; i < end - begin; ++i) dzc[i] = yc[i] > T(0) ? gc[i] : T(0);
  });
  // Each path's first layer computes its dx only when the block's dx is needed.
  branch_.front().second->set_input_grad_needed(this->input_grad_needed_);
  if (!shortcut_.empty()) shortcut_.front().second->set_input_grad_needed(this->input_grad_needed_);

  const Tensor<T>* g = &dz_;
  for (auto it = branch_.rbegin(); it != branch_.rend(); ++it) g = &it->second->backward(*g);
  const Tensor<T>* s = &dz_;  // the identity shortcut passes dz through
  for (auto it = shortcut_.rbegin(); it != shortcut_.rend(); ++it) s = &it->second->backward(*s);
  if (!this->input_grad_needed_) return dx_;
  if (!same_shape(*s, *g))
    check_same_shape(description_ + " backward", "the shortcut's dx", shape_of(*s), shape_of(*g));  // throws
  ensure_shape_like(dx_, *g);
  for_each_chunk(dx_.size(), [&](std::size_t begin, std::size_t end) {
    const T* __restrict gc = g->data() + begin;
    const T* __restrict sc = s->data() + begin;
    T* __restrict dxc = dx_.data() + begin;
    for (std::size_t i = 0; i < end - begin; ++i) dxc[i] = gc[i] + sc[i];
  });
  return dx_;
}

template <class T>
std::vector<ParameterRef<T>> ResidualBlock<T>::parameters() {
  std::vector<ParameterRef<T>> all;
  for (auto* path : {&branch_, &shortcut_})
    for (auto& [name, layer] : *path)
      for (auto& p : layer->parameters()) all.push_back({name + "." + p.name, p.value, p.grad});
  return all;
}

template <class T>
std::vector<BufferRef<T>> ResidualBlock<T>::buffers() {
  std::vector<BufferRef<T>> all;
  for (auto* path : {&branch_, &shortcut_})
    for (auto& [name, layer] : *path)
      for (auto& b : layer->buffers()) all.push_back({name + "." + b.name, b.value});
  return all;
}

template <class T>
std::vector<std::pair<std::string, Layer<T>*>> ResidualBlock<T>::sublayers() {
  std::vector<std::pair<std::string, Layer<T>*>> all;
  for (auto* path : {&branch_, &shortcut_})
    for (auto& [name, layer] : *path) all.push_back({name, layer.get()});
  return all;
}

template class ResidualBlock<float>;
template class ResidualBlock<double>;

}  // namespace normlab
