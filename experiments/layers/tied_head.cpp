#include "experiments/layers/tied_head.hpp"

#include "experiments/layers/gemm.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
std::string TiedHead<T>::describe() const {
  const auto& w = embedding_.token_weight();
  return "Linear(" + std::to_string(w.shape()[1]) + ", " + std::to_string(w.shape()[0]) +
         ", bias=false, weight tied to the token embedding)";
}

template <class T>
Shape TiedHead<T>::output_shape(const Shape& input) const {
  const auto& w = embedding_.token_weight();
  if (input.size() != 2 || input[1] != w.shape()[1])
    throw InputError(describe() + " expects input of shape (N, " + std::to_string(w.shape()[1]) + "), got " +
                     shape_string(input));
  return {input[0], w.shape()[0]};
}

template <class T>
const Tensor<T>& TiedHead<T>::forward(const Tensor<T>& x, Mode) {
  const Tensor<T>& w = embedding_.token_weight();
  const std::size_t V = w.shape()[0], C = w.shape()[1];
  if (x.dimension() != 2 || x.shape()[1] != C) output_shape(shape_of(x));  // throws
  const std::size_t M = x.shape()[0];
  x_ = &x;
  ensure_dims(y_, std::array<std::size_t, 2>{M, V});
  // y (M, V) = x (M, C) · Wᵀ (C, V)
  gemm(Transpose::no, Transpose::yes, M, V, C, T(1), x.data(), C, w.data(), C, T(0), y_.data(), V);
  return y_;
}

template <class T>
const Tensor<T>& TiedHead<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, y_);
  const Tensor<T>& w = embedding_.token_weight();
  const std::size_t V = w.shape()[0], C = w.shape()[1], M = dy.shape()[0];
  // dW (V, C) += dyᵀ (V, M) · x (M, C)
  gemm(Transpose::yes, Transpose::no, V, C, M, T(1), dy.data(), V, x_->data(), C, T(1),
       embedding_.token_grad().data(), C);
  if (this->input_grad_needed_) {
    ensure_shape_like(dx_, *x_);
    // dx (M, C) = dy (M, V) · W (V, C)
    gemm(Transpose::no, Transpose::no, M, C, V, T(1), dy.data(), V, w.data(), C, T(0), dx_.data(), C);
  }
  return dx_;
}

template class TiedHead<float>;
template class TiedHead<double>;

}  // namespace normlab
