#include "experiments/layers/flatten.hpp"

#include <algorithm>

#include "norms/errors.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

template <class T>
Shape Flatten<T>::output_shape(const Shape& input) const {
  if (input.size() < 2) throw InputError("Flatten expects input of shape (N, *), got " + shape_string(input));
  return {input[0], shape_product(input, 1)};
}

template <class T>
const Tensor<T>& Flatten<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  input_shape_ = shape_of(x);
  ensure_shape(y_, output_shape(input_shape_));
  std::copy(x.data(), x.data() + x.size(), y_.data());
  return y_;
}

template <class T>
const Tensor<T>& Flatten<T>::backward(const Tensor<T>& dy) {
  check_same_shape("Flatten backward", "dy", shape_of(dy), shape_of(y_));
  if (!this->input_grad_needed_) return dx_;
  ensure_shape(dx_, input_shape_);
  std::copy(dy.data(), dy.data() + dy.size(), dx_.data());
  return dx_;
}

template class Flatten<float>;
template class Flatten<double>;

}  // namespace normlab
