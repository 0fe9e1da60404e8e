// Causal multi-head self-attention (GPT-2's CausalSelfAttention, written as
// torch.nn.functional would: no attention dropout):
//   qkv = c_attn(x)                     x: (N·T, C) rows of N sequences of T positions; qkv: (N·T, 3C)
//   per sequence n and head h (d = C/H, q, k, v the head's columns of qkv):
//     S = q·kᵀ/√d, masked to j <= i;   P = softmax_j(S)   (T, T)
//     att[:, h·d:(h+1)·d] = P·v        att: (N·T, C)
//   y = c_proj(att)                     y: (N·T, C)
// Position i's output depends on positions j <= i only (tested). Forward keeps P (N, H, T, T)
// for the backward, which reads, per (n, h):
//   dP = d_att·vᵀ;  dv = Pᵀ·d_att;  dS = P ⊙ (dP − Σ_j dP⊙P) (the softmax Jacobian, zero where masked);
//   dq = dS·k/√d;  dk = dSᵀ·q/√d.
// Every product is a GEMM (layers/gemm.hpp); the (n, h) pairs run in parallel, each written by
// one thread in a fixed order, so results do not depend on the thread count.
#pragma once

#include <memory>

#include "experiments/layers/linear.hpp"

namespace normlab {

template <class T>
class CausalSelfAttention final : public Layer<T> {
 public:
  // width C divisible by heads H; bias: of both Linear layers.
  CausalSelfAttention(std::size_t context, std::size_t width, std::size_t heads, bool bias);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;  // (M, C) -> (M, C); M a multiple of T at run time
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<std::pair<std::string, Layer<T>*>> sublayers() override {
    return {{"c_attn", &c_attn_}, {"c_proj", &c_proj_}};
  }

  std::size_t heads() const { return heads_; }
  Linear<T>& c_attn() { return c_attn_; }
  Linear<T>& c_proj() { return c_proj_; }

 private:
  std::size_t context_, width_, heads_, head_dim_;
  Linear<T> c_attn_;                // (C) -> (3C): q, k, v side by side
  Linear<T> c_proj_;                // (C) -> (C)
  std::size_t sequences_ = 0;       // N of the last forward
  const Tensor<T>* qkv_ = nullptr;  // (N·T, 3C): c_attn's output of the last forward
  Tensor<T> probs_;                 // (N, H, T, T): P of the last forward, zero above the diagonal
  Tensor<T> att_;                   // (N·T, C)
  Tensor<T> dscores_;               // (N, H, T, T): dP, then dS in place
  Tensor<T> dqkv_;                  // (N·T, 3C)
};

}  // namespace normlab
