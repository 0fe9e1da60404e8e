#include "experiments/layers/norm_layer.hpp"

#include "norms/core/errors.hpp"

namespace normlab {

template <class T>
Shape NormLayer<T>::output_shape(const Shape& input) const {
  if (input.size() != sample_shape_.size() + 1 || !std::equal(sample_shape_.begin(), sample_shape_.end(), input.begin() + 1))
    throw InputError(describe() + " expects input of shape " + batched_shape_string(sample_shape_) + ", got " +
                     shape_string(input));
  return input;
}

template <class T>
const Tensor<T>& NormLayer<T>::forward(const Tensor<T>& x, Mode mode) {
  x_ = &x;
  normalizer_->forward(x, y_, mode);
  return y_;
}

template <class T>
const Tensor<T>& NormLayer<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  // The normalizer computes dx together with its parameter gradients (it shares the sums).
  normalizer_->backward(*x_, dy, dx_);
  return dx_;
}

template class NormLayer<float>;
template class NormLayer<double>;

}  // namespace normlab
