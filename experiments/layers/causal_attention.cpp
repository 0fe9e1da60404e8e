#include "experiments/layers/causal_attention.hpp"

#include <algorithm>
#include <cmath>

#include "experiments/layers/gemm.hpp"
#include "experiments/layers/tensor_shapes.hpp"
#include "norms/core/parallel.hpp"

namespace normlab {

template <class T>
CausalSelfAttention<T>::CausalSelfAttention(std::size_t context, std::size_t width, std::size_t heads,
                                            bool bias)
    : context_(context),
      width_(width),
      heads_(heads),
      head_dim_(heads ? width / heads : 0),
      c_attn_(width, 3 * width, bias),
      c_proj_(width, width, bias) {
  if (context == 0 || heads == 0 || width % heads != 0)
    throw InputError("attention: width " + std::to_string(width) + " must be a multiple of heads " +
                     std::to_string(heads) + " (and context >= 1)");
}

template <class T>
std::string CausalSelfAttention<T>::describe() const {
  return "CausalSelfAttention(width=" + std::to_string(width_) + ", heads=" + std::to_string(heads_) +
         ", context=" + std::to_string(context_) + ")";
}

template <class T>
Shape CausalSelfAttention<T>::output_shape(const Shape& input) const {
  if (input.size() != 2 || input[1] != width_)
    throw InputError(describe() + " expects input of shape (N·T, " + std::to_string(width_) + "), got " +
                     shape_string(input));
  return input;
}

template <class T>
const Tensor<T>& CausalSelfAttention<T>::forward(const Tensor<T>& x, Mode mode) {
  if (x.dimension() != 2 || x.shape()[1] != width_) output_shape(shape_of(x));  // throws
  const std::size_t rows = x.shape()[0], Tn = context_, C = width_, d = head_dim_;
  if (rows % Tn != 0)
    throw InputError(describe() + ": " + std::to_string(rows) + " rows are not whole sequences of " +
                     std::to_string(Tn));
  sequences_ = rows / Tn;
  const Tensor<T>& qkv = c_attn_.forward(x, mode);  // (N·T, 3C)
  qkv_ = &qkv;
  ensure_dims(probs_, std::array<std::size_t, 4>{sequences_, heads_, Tn, Tn});
  ensure_dims(att_, std::array<std::size_t, 2>{rows, C});
  const T scale = T(1) / std::sqrt(T(d));
  parallel_for(sequences_ * heads_, Tn * Tn * d, [&](std::size_t item) {
    const std::size_t n = item / heads_, h = item % heads_;
    const T* q = qkv.data() + n * Tn * 3 * C + h * d;
    const T* k = q + C;
    const T* v = q + 2 * C;
    T* P = probs_.data() + item * Tn * Tn;
    // S (T, T) = q (T, d) · kᵀ (d, T) / √d
    gemm(Transpose::no, Transpose::yes, Tn, Tn, d, scale, q, 3 * C, k, 3 * C, T(0), P, Tn);
    for (std::size_t i = 0; i < Tn; ++i) {
      T* row = P + i * Tn;
      T max = row[0];
      for (std::size_t j = 1; j <= i; ++j)
        max = std::max(max, row[j]);
      T sum = 0;
      for (std::size_t j = 0; j <= i; ++j)
        sum += row[j] = std::exp(row[j] - max);
      const T inv = T(1) / sum;
      for (std::size_t j = 0; j <= i; ++j)
        row[j] *= inv;
      std::fill(row + i + 1, row + Tn, T(0));  // the causal mask
    }
    // att_h (T, d) = P (T, T) · v (T, d)
    gemm(Transpose::no, Transpose::no, Tn, d, Tn, T(1), P, Tn, v, 3 * C, T(0),
         att_.data() + n * Tn * C + h * d, C);
  });
  return c_proj_.forward(att_, mode);
}

template <class T>
const Tensor<T>& CausalSelfAttention<T>::backward(const Tensor<T>& dy) {
  if (!qkv_) throw InputError(describe() + ": backward before forward");
  const Tensor<T>& datt = c_proj_.backward(dy);  // (N·T, C)
  const std::size_t Tn = context_, C = width_, d = head_dim_;
  const Tensor<T>& qkv = *qkv_;
  ensure_dims(dscores_, std::array<std::size_t, 4>{sequences_, heads_, Tn, Tn});
  ensure_dims(dqkv_, std::array<std::size_t, 2>{sequences_ * Tn, 3 * C});
  const T scale = T(1) / std::sqrt(T(d));
  parallel_for(sequences_ * heads_, Tn * Tn * d, [&](std::size_t item) {
    const std::size_t n = item / heads_, h = item % heads_;
    const std::size_t offset = n * Tn * 3 * C + h * d;
    const T* q = qkv.data() + offset;
    const T* k = q + C;
    const T* v = q + 2 * C;
    T* dq = dqkv_.data() + offset;
    T* dk = dq + C;
    T* dv = dq + 2 * C;
    const T* g = datt.data() + n * Tn * C + h * d;  // d_att_h (T, d), row stride C
    const T* P = probs_.data() + item * Tn * Tn;
    T* dS = dscores_.data() + item * Tn * Tn;
    // dP (T, T) = d_att_h (T, d) · vᵀ (d, T)
    gemm(Transpose::no, Transpose::yes, Tn, Tn, d, T(1), g, C, v, 3 * C, T(0), dS, Tn);
    // dv (T, d) = Pᵀ (T, T) · d_att_h (T, d)
    gemm(Transpose::yes, Transpose::no, Tn, d, Tn, T(1), P, Tn, g, C, T(0), dv, 3 * C);
    // dS = P ⊙ (dP − Σ_j P·dP): the softmax's Jacobian; P = 0 above the diagonal masks it.
    for (std::size_t i = 0; i < Tn; ++i) {
      T* row = dS + i * Tn;
      const T* p = P + i * Tn;
      T dot = 0;
      for (std::size_t j = 0; j <= i; ++j)
        dot += p[j] * row[j];
      for (std::size_t j = 0; j <= i; ++j)
        row[j] = p[j] * (row[j] - dot);
      std::fill(row + i + 1, row + Tn, T(0));
    }
    // dq (T, d) = dS (T, T) · k (T, d) / √d;  dk (T, d) = dSᵀ (T, T) · q (T, d) / √d
    gemm(Transpose::no, Transpose::no, Tn, d, Tn, scale, dS, Tn, k, 3 * C, T(0), dq, 3 * C);
    gemm(Transpose::yes, Transpose::no, Tn, d, Tn, scale, dS, Tn, q, 3 * C, T(0), dk, 3 * C);
  });
  c_attn_.set_input_grad_needed(this->input_grad_needed_);
  return c_attn_.backward(dqkv_);
}

template <class T>
std::vector<ParameterRef<T>> CausalSelfAttention<T>::parameters() {
  std::vector<ParameterRef<T>> all;
  for (auto& [name, layer] : sublayers())
    for (auto& p : layer->parameters())
      all.push_back({name + "." + p.name, p.value, p.grad});
  return all;
}

template class CausalSelfAttention<float>;
template class CausalSelfAttention<double>;

}  // namespace normlab
