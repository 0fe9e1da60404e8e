#include "experiments/layers/dropout.hpp"

#include <algorithm>

#include "norms/core/errors.hpp"
#include "norms/options.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
Dropout<T>::Dropout(double p, std::uint64_t seed) : p_(p), rng_(seed) {
  if (!(p >= 0 && p < 1)) throw InputError("dropout p=" + format_number(p) + " must be in [0, 1)");
}

template <class T>
std::string Dropout<T>::describe() const {
  return "Dropout(p=" + format_number(p_) + ")";
}

template <class T>
const Tensor<T>& Dropout<T>::forward(const Tensor<T>& x, Mode mode) {
  ensure_shape_like(y_, x);
  last_was_train_ = mode == Mode::train && p_ > 0;
  if (!last_was_train_) {
    std::copy(x.data(), x.data() + x.size(), y_.data());
    return y_;
  }
  ensure_shape_like(mask_, x);
  const T keep_scale = T(1.0 / (1.0 - p_));
  T* mask = mask_.data();
  T* y = y_.data();
  const T* in = x.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) {
    mask[i] = rng_.uniform() >= p_ ? keep_scale : T(0);
    y[i] = in[i] * mask[i];
  }
  return y_;
}

template <class T>
const Tensor<T>& Dropout<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, dy);
  if (!last_was_train_) {
    std::copy(dy.data(), dy.data() + dy.size(), dx_.data());
    return dx_;
  }
  const T* mask = mask_.data();
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) dx_.data()[i] = dy.data()[i] * mask[i];
  return dx_;
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace normlab
