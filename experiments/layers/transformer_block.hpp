// A Transformer block on rows of tokens, x: (N·T, C), in one of two placements of its normalizers
// (Xiong et al. 2020):
//   pre  (Pre-LN, GPT-2):             h = x + attn(ln_1(x));   y = h + mlp(ln_2(h))
//   post (Post-LN, Vaswani et al.):   h = ln_1(x + attn(x));   y = ln_2(h + mlp(h))
// with mlp = c_proj(GELU(c_fc(·))) of hidden width mlp_ratio·C, and optional residual dropout
// on each branch's output. ln_1/ln_2 are any per-token activation normalizer on (N·T, C), or
// absent (norm none): the identity. Backward sums the residual and the branch gradients.
#pragma once

#include <memory>

#include "experiments/layers/causal_attention.hpp"
#include "experiments/layers/dropout.hpp"
#include "experiments/layers/gelu.hpp"

namespace normlab {

template <class T>
class TransformerBlock final : public Layer<T> {
 public:
  struct Parts {
    std::unique_ptr<Layer<T>> ln_1, ln_2;  // null: no normalizer
    std::unique_ptr<CausalSelfAttention<T>> attn;
    std::unique_ptr<Linear<T>> c_fc, c_proj;     // (C) -> (mlp_ratio·C) -> (C)
    std::unique_ptr<Dropout<T>> drop_1, drop_2;  // null: no dropout
  };
  TransformerBlock(bool pre, Parts parts);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return parts_.attn->output_shape(input); }
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<BufferRef<T>> buffers() override;
  std::vector<std::pair<std::string, Layer<T>*>> sublayers() override;

 private:
  // The MLP branch and, when present, its dropout.
  const Tensor<T>& mlp_forward(const Tensor<T>& x, Mode mode);
  const Tensor<T>& mlp_backward(const Tensor<T>& dy);
  const Tensor<T>& attn_forward(const Tensor<T>& x, Mode mode);
  const Tensor<T>& attn_backward(const Tensor<T>& dy);

  bool pre_;
  Parts parts_;
  Gelu<T> gelu_;
  Tensor<T> sum_1_, sum_2_;  // (N·T, C): the two residual sums (h and y in pre; their inputs to ln in post)
  Tensor<T> dsum_1_, dsum_2_;     // (N·T, C): gradients where two paths meet
  const Tensor<T>* y_ = nullptr;  // the output of the last forward
};

}  // namespace normlab
