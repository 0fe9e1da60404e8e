// Token and learned position embeddings of a sequence model (GPT-2's wte and wpe):
//   x: (N, T) token ids (as T values) -> y: (N·T, C), y[n·T + t] = token.weight[x[n, t]] + position.weight[t]
// with token.weight: (V, C) and position.weight: (T, C) (none for the LSTM: positions=false).
// The output is flat over batch and time, so that the per-token layers after it (Linear, layer
// and RMS norm) see rows of C features. Backward ACCUMULATES into both weights' grads; ids have no
// gradient, so dx is never computed.
#pragma once

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class TokenEmbedding final : public Layer<T> {
 public:
  TokenEmbedding(std::size_t vocab, std::size_t context, std::size_t width, bool positions = true);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;  // (N, T) -> (N·T, C)
  // InputError for an id outside [0, V) or input not (N, T).
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;

  Tensor<T>& token_weight() { return token_; }
  Tensor<T>& token_grad() { return token_grad_; }
  Tensor<T>& position_weight() { return position_; }

 private:
  std::size_t vocab_, context_, width_;
  bool positions_;
  Tensor<T> token_, token_grad_;        // (V, C)
  Tensor<T> position_, position_grad_;  // (T, C)
  std::vector<std::size_t> ids_;        // (N·T): the last input's ids
  Tensor<T> y_;                         // (N·T, C)
  Tensor<T> dx_;                        // empty: ids have no gradient
};

}  // namespace normlab
