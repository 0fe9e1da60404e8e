#include "experiments/layers/token_embedding.hpp"

#include <algorithm>
#include <cmath>

#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
TokenEmbedding<T>::TokenEmbedding(std::size_t vocab, std::size_t context, std::size_t width, bool positions)
    : vocab_(vocab), context_(context), width_(width), positions_(positions) {
  if (vocab == 0 || context == 0 || width == 0)
    throw InputError("an embedding needs vocab, context and width >= 1");
  token_ = Tensor<T>::from_shape({vocab, width});
  token_.fill(T(0));
  token_grad_ = token_;
  if (positions_) {
    position_ = Tensor<T>::from_shape({context, width});
    position_.fill(T(0));
    position_grad_ = position_;
  }
}

template <class T>
std::string TokenEmbedding<T>::describe() const {
  return "Embedding(" + std::to_string(vocab_) + ", " + std::to_string(width_) + ")" +
         (positions_ ? " + positions(" + std::to_string(context_) + ", " + std::to_string(width_) + ")" : "");
}

template <class T>
Shape TokenEmbedding<T>::output_shape(const Shape& input) const {
  if (input.size() != 2 || input[1] != context_)
    throw InputError(describe() + " expects token ids of shape (N, " + std::to_string(context_) + "), got " +
                     shape_string(input));
  return {input[0] * context_, width_};
}

template <class T>
const Tensor<T>& TokenEmbedding<T>::forward(const Tensor<T>& x, Mode) {
  if (x.dimension() != 2 || x.shape()[1] != context_) output_shape(shape_of(x));  // throws
  const std::size_t rows = x.shape()[0] * context_;
  ids_.resize(rows);
  ensure_dims(y_, std::array<std::size_t, 2>{rows, width_});
  for (std::size_t r = 0; r < rows; ++r) {
    const double id = double(x.data()[r]);
    if (!(id >= 0 && id < double(vocab_)) || id != std::floor(id))
      throw InputError(describe() + ": token id " + std::to_string(id) + " is outside [0, " +
                       std::to_string(vocab_) + ")");
    ids_[r] = std::size_t(id);
    const T* e = token_.data() + ids_[r] * width_;
    T* y = y_.data() + r * width_;
    if (positions_) {
      const T* p = position_.data() + (r % context_) * width_;
      for (std::size_t c = 0; c < width_; ++c)
        y[c] = e[c] + p[c];
    } else {
      std::copy(e, e + width_, y);
    }
  }
  return y_;
}

template <class T>
const Tensor<T>& TokenEmbedding<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  // d token.weight[v] += Σ over rows with id v of dy[row]; d position.weight[t] += Σ_n dy[n·T + t].
  // Rows in order: the sums are in a fixed order whatever the thread count.
  for (std::size_t r = 0; r < ids_.size(); ++r) {
    const T* g = dy.data() + r * width_;
    T* dt = token_grad_.data() + ids_[r] * width_;
    for (std::size_t c = 0; c < width_; ++c)
      dt[c] += g[c];
    if (positions_) {
      T* dp = position_grad_.data() + (r % context_) * width_;
      for (std::size_t c = 0; c < width_; ++c)
        dp[c] += g[c];
    }
  }
  return dx_;
}

template <class T>
std::vector<ParameterRef<T>> TokenEmbedding<T>::parameters() {
  std::vector<ParameterRef<T>> params{{"token.weight", &token_, &token_grad_}};
  if (positions_) params.push_back({"position.weight", &position_, &position_grad_});
  return params;
}

template class TokenEmbedding<float>;
template class TokenEmbedding<double>;

}  // namespace normlab
