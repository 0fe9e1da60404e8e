// The output layer of a language model whose weight is the token embedding's (weight tying,
// Press & Wolf 2017; GPT-2): logits (M, V) = x (M, C) · Wᵀ with W = token.weight (V, C).
// It owns no parameter (W is listed once, under the embedding); backward ACCUMULATES dW into the
// embedding's gradient and ASSIGNS dx = dy·W.
#pragma once

#include "experiments/layers/token_embedding.hpp"

namespace normlab {

template <class T>
class TiedHead final : public Layer<T> {
 public:
  explicit TiedHead(TokenEmbedding<T>& embedding) : embedding_(embedding) {}

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;  // (M, C) -> (M, V)
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;

 private:
  TokenEmbedding<T>& embedding_;
  const Tensor<T>* x_ = nullptr;  // (M, C): the last input
  Tensor<T> y_, dx_;              // (M, V), (M, C)
};

}  // namespace normlab
