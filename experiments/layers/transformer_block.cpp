#include "experiments/layers/transformer_block.hpp"

#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

namespace {

// out = a + b, elementwise (out resized to a's shape only when it differs).
template <class T>
void add(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& out) {
  ensure_shape_like(out, a);
  const T* pa = a.data();
  const T* pb = b.data();
  T* po = out.data();
  for (std::size_t i = 0, n = a.size(); i < n; ++i)
    po[i] = pa[i] + pb[i];
}

template <class T>
const Tensor<T>& forward_if(Layer<T>* layer, const Tensor<T>& x, Mode mode) {
  return layer ? layer->forward(x, mode) : x;
}
template <class T>
const Tensor<T>& backward_if(Layer<T>* layer, const Tensor<T>& dy) {
  return layer ? layer->backward(dy) : dy;
}

}  // namespace

template <class T>
TransformerBlock<T>::TransformerBlock(bool pre, Parts parts) : pre_(pre), parts_(std::move(parts)) {
  if (!parts_.attn || !parts_.c_fc || !parts_.c_proj)
    throw InputError("a Transformer block needs attn and an MLP");
}

template <class T>
std::string TransformerBlock<T>::describe() const {
  return std::string(pre_ ? "PreLNBlock" : "PostLNBlock") +
         "(width=" + std::to_string(parts_.c_fc->in_features()) +
         ", heads=" + std::to_string(parts_.attn->heads()) +
         ", mlp=" + std::to_string(parts_.c_fc->out_features()) + ")";
}

template <class T>
const Tensor<T>& TransformerBlock<T>::attn_forward(const Tensor<T>& x, Mode mode) {
  return forward_if<T>(parts_.drop_1.get(), parts_.attn->forward(x, mode), mode);
}

template <class T>
const Tensor<T>& TransformerBlock<T>::attn_backward(const Tensor<T>& dy) {
  return parts_.attn->backward(backward_if<T>(parts_.drop_1.get(), dy));
}

template <class T>
const Tensor<T>& TransformerBlock<T>::mlp_forward(const Tensor<T>& x, Mode mode) {
  const Tensor<T>& hidden = gelu_.forward(parts_.c_fc->forward(x, mode), mode);
  return forward_if<T>(parts_.drop_2.get(), parts_.c_proj->forward(hidden, mode), mode);
}

template <class T>
const Tensor<T>& TransformerBlock<T>::mlp_backward(const Tensor<T>& dy) {
  const Tensor<T>& dhidden = gelu_.backward(parts_.c_proj->backward(backward_if<T>(parts_.drop_2.get(), dy)));
  return parts_.c_fc->backward(dhidden);
}

template <class T>
const Tensor<T>& TransformerBlock<T>::forward(const Tensor<T>& x, Mode mode) {
  if (pre_) {
    add(x, attn_forward(forward_if(parts_.ln_1.get(), x, mode), mode), sum_1_);           // h
    add(sum_1_, mlp_forward(forward_if(parts_.ln_2.get(), sum_1_, mode), mode), sum_2_);  // y
    y_ = &sum_2_;
  } else {
    add(x, attn_forward(x, mode), sum_1_);
    const Tensor<T>& h = forward_if(parts_.ln_1.get(), sum_1_, mode);
    add(h, mlp_forward(h, mode), sum_2_);
    y_ = &forward_if(parts_.ln_2.get(), sum_2_, mode);
  }
  return *y_;
}

template <class T>
const Tensor<T>& TransformerBlock<T>::backward(const Tensor<T>& dy) {
  if (!y_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, *y_);
  if (pre_) {
    // dh = dy + ln_2ᵀ(mlpᵀ(dy));  dx = dh + ln_1ᵀ(attnᵀ(dh))
    add(dy, backward_if(parts_.ln_2.get(), mlp_backward(dy)), dsum_2_);
    add(dsum_2_, backward_if(parts_.ln_1.get(), attn_backward(dsum_2_)), dsum_1_);
  } else {
    // g = ln_2ᵀ(dy); dh = g + mlpᵀ(g); g1 = ln_1ᵀ(dh); dx = g1 + attnᵀ(g1)
    const Tensor<T>& g = backward_if(parts_.ln_2.get(), dy);
    add(g, mlp_backward(g), dsum_2_);
    const Tensor<T>& g1 = backward_if(parts_.ln_1.get(), dsum_2_);
    add(g1, attn_backward(g1), dsum_1_);
  }
  return dsum_1_;
}

template <class T>
std::vector<std::pair<std::string, Layer<T>*>> TransformerBlock<T>::sublayers() {
  std::vector<std::pair<std::string, Layer<T>*>> all;
  if (parts_.ln_1) all.push_back({"ln_1", parts_.ln_1.get()});
  all.push_back({"attn", parts_.attn.get()});
  if (parts_.drop_1) all.push_back({"drop_1", parts_.drop_1.get()});
  if (parts_.ln_2) all.push_back({"ln_2", parts_.ln_2.get()});
  all.push_back({"mlp.c_fc", parts_.c_fc.get()});
  all.push_back({"mlp.gelu", &gelu_});
  all.push_back({"mlp.c_proj", parts_.c_proj.get()});
  if (parts_.drop_2) all.push_back({"drop_2", parts_.drop_2.get()});
  return all;
}

template <class T>
std::vector<ParameterRef<T>> TransformerBlock<T>::parameters() {
  std::vector<ParameterRef<T>> all;
  for (auto& [name, layer] : sublayers())
    for (auto& p : layer->parameters())
      all.push_back({name + "." + p.name, p.value, p.grad});
  return all;
}

template <class T>
std::vector<BufferRef<T>> TransformerBlock<T>::buffers() {
  std::vector<BufferRef<T>> all;
  for (auto& [name, layer] : sublayers())
    for (auto& b : layer->buffers())
      all.push_back({name + "." + b.name, b.value});
  return all;
}

template class TransformerBlock<float>;
template class TransformerBlock<double>;

}  // namespace normlab
