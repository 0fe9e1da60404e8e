#include "experiments/layers/flatten.hpp"

#include <algorithm>

#include "norms/core/errors.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
Shape Flatten<T>::output_shape(const Shape& input) const {
  if (input.size() < 2) throw InputError("Flatten expects input of shape (N, *), got " + shape_string(input));
  return {input[0], shape_product(input, 1)};
}

template <class T>
const Tensor<T>& Flatten<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  if (x.dimension() < 2) output_shape(shape_of(x));  // throws
  x_ = &x;
  ensure_dims(y_, std::array<std::size_t, 2>{x.shape()[0], x.size() / std::max<std::size_t>(x.shape()[0], 1)});
  std::copy(x.data(), x.data() + x.size(), y_.data());
  return y_;
}

template <class T>
const Tensor<T>& Flatten<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, *x_);
  std::copy(dy.data(), dy.data() + dy.size(), dx_.data());
  return dx_;
}

template class Flatten<float>;
template class Flatten<double>;

}  // namespace normlab
