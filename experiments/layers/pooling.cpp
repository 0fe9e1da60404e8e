#include "experiments/layers/pooling.hpp"

#include <algorithm>

#include "norms/errors.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

namespace {

Shape pooled_shape(const std::string& who, const Shape& input, std::size_t kernel, std::size_t stride) {
  if (input.size() != 4 || shape_product(input) == 0)
    throw InputError(who + " expects a non-empty input of shape (N, C, H, W), got " + shape_string(input));
  if (input[2] < kernel || input[3] < kernel)
    throw InputError(who + ": input " + shape_string(input) + " is smaller than the pooling window");
  return {input[0], input[1], (input[2] - kernel) / stride + 1, (input[3] - kernel) / stride + 1};
}

// The output dims for x without allocating; throws (through pooled_shape) on a bad input.
template <class T, class Layer>
std::array<std::size_t, 4> pooled_dims(const Layer& layer, const Tensor<T>& x, std::size_t kernel,
                                       std::size_t stride) {
  if (x.dimension() != 4 || x.size() == 0 || x.shape()[2] < kernel || x.shape()[3] < kernel)
    pooled_shape(layer.describe(), shape_of(x), kernel, stride);  // throws
  return {x.shape()[0], x.shape()[1], (x.shape()[2] - kernel) / stride + 1, (x.shape()[3] - kernel) / stride + 1};
}

void check_window(std::size_t kernel, std::size_t stride) {
  if (kernel == 0 || stride == 0) throw InputError("pooling needs kernel_size and stride >= 1");
}

}  // namespace

template <class T>
MaxPool2d<T>::MaxPool2d(std::size_t kernel, std::size_t stride) : kernel_(kernel), stride_(stride) {
  check_window(kernel, stride);
}

template <class T>
std::string MaxPool2d<T>::describe() const {
  return "MaxPool2d(kernel_size=" + std::to_string(kernel_) + ", stride=" + std::to_string(stride_) + ")";
}

template <class T>
Shape MaxPool2d<T>::output_shape(const Shape& input) const {
  return pooled_shape(describe(), input, kernel_, stride_);
}

template <class T>
const Tensor<T>& MaxPool2d<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  const auto out = pooled_dims(*this, x, kernel_, stride_);
  x_ = &x;
  const std::size_t planes = out[0] * out[1], H = x.shape()[2], W = x.shape()[3], Ho = out[2], Wo = out[3];
  ensure_dims(y_, out);
  argmax_.resize(y_.size());
  if (kernel_ == 2 && stride_ == 2) {  // the common case, without the window loops
    for (std::size_t p = 0; p < planes; ++p) {
      const T* plane = x.data() + p * H * W;
      T* y = y_.data() + p * Ho * Wo;
      std::uint32_t* where = argmax_.data() + p * Ho * Wo;
      for (std::size_t oh = 0; oh < Ho; ++oh)
        for (std::size_t ow = 0; ow < Wo; ++ow) {
          // The window in PyTorch's scan order; a later element wins only if strictly larger.
          const std::size_t a = 2 * oh * W + 2 * ow, b = a + 1, c = a + W, d = c + 1;
          std::size_t best = plane[b] > plane[a] ? b : a;
          best = plane[c] > plane[best] ? c : best;
          best = plane[d] > plane[best] ? d : best;
          y[oh * Wo + ow] = plane[best];
          where[oh * Wo + ow] = std::uint32_t(best);
        }
    }
    return y_;
  }
  for (std::size_t p = 0; p < planes; ++p) {
    const T* plane = x.data() + p * H * W;
    for (std::size_t oh = 0; oh < Ho; ++oh)
      for (std::size_t ow = 0; ow < Wo; ++ow) {
        std::size_t best = oh * stride_ * W + ow * stride_;
        for (std::size_t i = 0; i < kernel_; ++i)
          for (std::size_t j = 0; j < kernel_; ++j) {
            const std::size_t at = (oh * stride_ + i) * W + ow * stride_ + j;
            if (plane[at] > plane[best]) best = at;
          }
        const std::size_t o = (p * Ho + oh) * Wo + ow;
        y_.data()[o] = plane[best];
        argmax_[o] = std::uint32_t(best);
      }
  }
  return y_;
}

template <class T>
const Tensor<T>& MaxPool2d<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, *x_);
  dx_.fill(T(0));
  const std::size_t plane_in = x_->shape()[2] * x_->shape()[3], plane_out = y_.shape()[2] * y_.shape()[3];
  const T* g = dy.data();
  for (std::size_t p = 0, o = 0; o < dy.size(); ++p) {
    T* plane = dx_.data() + p * plane_in;
    for (std::size_t end = o + plane_out; o < end; ++o) plane[argmax_[o]] += g[o];
  }
  return dx_;
}

template <class T>
AvgPool2d<T>::AvgPool2d(std::size_t kernel, std::size_t stride) : kernel_(kernel), stride_(stride) {
  check_window(kernel, stride);
}

template <class T>
std::string AvgPool2d<T>::describe() const {
  return "AvgPool2d(kernel_size=" + std::to_string(kernel_) + ", stride=" + std::to_string(stride_) + ")";
}

template <class T>
Shape AvgPool2d<T>::output_shape(const Shape& input) const {
  return pooled_shape(describe(), input, kernel_, stride_);
}

template <class T>
const Tensor<T>& AvgPool2d<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  const auto out = pooled_dims(*this, x, kernel_, stride_);
  x_ = &x;
  const std::size_t planes = out[0] * out[1], H = x.shape()[2], W = x.shape()[3], Ho = out[2], Wo = out[3];
  const T inv_area = T(1) / T(kernel_ * kernel_);
  ensure_dims(y_, out);
  for (std::size_t p = 0; p < planes; ++p) {
    const T* plane = x.data() + p * H * W;
    for (std::size_t oh = 0; oh < Ho; ++oh)
      for (std::size_t ow = 0; ow < Wo; ++ow) {
        T sum = T(0);
        for (std::size_t i = 0; i < kernel_; ++i)
          for (std::size_t j = 0; j < kernel_; ++j) sum += plane[(oh * stride_ + i) * W + ow * stride_ + j];
        y_.data()[(p * Ho + oh) * Wo + ow] = sum * inv_area;
      }
  }
  return y_;
}

template <class T>
const Tensor<T>& AvgPool2d<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, *x_);
  dx_.fill(T(0));
  const std::size_t planes = y_.shape()[0] * y_.shape()[1], H = x_->shape()[2], W = x_->shape()[3];
  const std::size_t Ho = y_.shape()[2], Wo = y_.shape()[3];
  const T inv_area = T(1) / T(kernel_ * kernel_);
  for (std::size_t p = 0; p < planes; ++p) {
    T* plane = dx_.data() + p * H * W;
    for (std::size_t oh = 0; oh < Ho; ++oh)
      for (std::size_t ow = 0; ow < Wo; ++ow) {
        const T g = dy.data()[(p * Ho + oh) * Wo + ow] * inv_area;
        for (std::size_t i = 0; i < kernel_; ++i)
          for (std::size_t j = 0; j < kernel_; ++j) plane[(oh * stride_ + i) * W + ow * stride_ + j] += g;
      }
  }
  return dx_;
}

template <class T>
Shape GlobalAvgPool<T>::output_shape(const Shape& input) const {
  if (input.size() != 4 || shape_product(input) == 0)
    throw InputError("GlobalAvgPool expects a non-empty input of shape (N, C, H, W), got " + shape_string(input));
  return {input[0], input[1]};
}

template <class T>
const Tensor<T>& GlobalAvgPool<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  if (x.dimension() != 4 || x.size() == 0) output_shape(shape_of(x));  // throws
  x_ = &x;
  ensure_dims(y_, std::array<std::size_t, 2>{x.shape()[0], x.shape()[1]});
  const std::size_t S = x.shape()[2] * x.shape()[3];
  for (std::size_t p = 0; p < y_.size(); ++p) {
    const T* plane = x.data() + p * S;
    T sum = T(0);
    for (std::size_t i = 0; i < S; ++i) sum += plane[i];
    y_.data()[p] = sum / T(S);
  }
  return y_;
}

template <class T>
const Tensor<T>& GlobalAvgPool<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, *x_);
  const std::size_t S = x_->shape()[2] * x_->shape()[3];
  for (std::size_t p = 0; p < y_.size(); ++p) std::fill(dx_.data() + p * S, dx_.data() + (p + 1) * S, dy.data()[p] / T(S));
  return dx_;
}

template class MaxPool2d<float>;
template class MaxPool2d<double>;
template class AvgPool2d<float>;
template class AvgPool2d<double>;
template class GlobalAvgPool<float>;
template class GlobalAvgPool<double>;

}  // namespace normlab
