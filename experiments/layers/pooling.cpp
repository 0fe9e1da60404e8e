#include "experiments/layers/pooling.hpp"

#include <algorithm>

#include "norms/core/errors.hpp"
#include "norms/core/parallel.hpp"
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

// Max pooling scans each window in PyTorch's order, and a later element wins only if strictly
// larger. y and where (the maximum's index in the plane) are (Ho, Wo) for a plane (H, W).

// value, at = candidate, index if the candidate is strictly larger: by selects, not branches.
template <class T>
inline void keep_larger(T candidate, std::uint32_t index, T& value, std::uint32_t& at) {
  const bool larger = candidate > value;
  at = larger ? index : at;
  value = larger ? candidate : value;
}

// The common 2x2, stride-2 window, for one output row whose windows start on plane row 2·oh:
// with the values kept in registers and chosen by selects, the loop vectorizes.
template <class T>
void max_pool_row_2x2(const T* __restrict plane, std::size_t oh, std::size_t W, T* __restrict y,
                      std::uint32_t* __restrict where, std::size_t Wo) {
  const T* __restrict top = plane + 2 * oh * W;
  const T* __restrict bottom = top + W;
  for (std::size_t ow = 0; ow < Wo; ++ow) {
    const std::uint32_t a = std::uint32_t(2 * oh * W + 2 * ow), c = a + std::uint32_t(W);
    T value = top[2 * ow];
    std::uint32_t at = a;
    keep_larger(top[2 * ow + 1], a + 1, value, at);
    keep_larger(bottom[2 * ow], c, value, at);
    keep_larger(bottom[2 * ow + 1], c + 1, value, at);
    y[ow] = value;
    where[ow] = at;
  }
}

template <class T>
void max_pool_plane(const T* plane, std::size_t W, std::size_t k, std::size_t s, T* y, std::uint32_t* where,
                    std::size_t Ho, std::size_t Wo) {
  for (std::size_t oh = 0; oh < Ho; ++oh)
    for (std::size_t ow = 0; ow < Wo; ++ow) {
      std::size_t best = oh * s * W + ow * s;
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
          const std::size_t at = (oh * s + i) * W + ow * s + j;
          if (plane[at] > plane[best]) best = at;
        }
      y[oh * Wo + ow] = plane[best];
      where[oh * Wo + ow] = std::uint32_t(best);
    }
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
  // Planes are independent: one per item, each scanned in the same order on any thread.
  parallel_for(planes, H * W, [&](std::size_t p) {
    const T* plane = x.data() + p * H * W;
    T* y = y_.data() + p * Ho * Wo;
    std::uint32_t* where = argmax_.data() + p * Ho * Wo;
    if (kernel_ == 2 && stride_ == 2)
      for (std::size_t oh = 0; oh < Ho; ++oh) max_pool_row_2x2(plane, oh, W, y + oh * Wo, where + oh * Wo, Wo);
    else
      max_pool_plane(plane, W, kernel_, stride_, y, where, Ho, Wo);
  });
  return y_;
}

template <class T>
const Tensor<T>& MaxPool2d<T>::backward(const Tensor<T>& dy) {
  check_output_grad(*this, dy, y_);
  if (!this->input_grad_needed_) return dx_;
  ensure_shape_like(dx_, *x_);
  const std::size_t planes = y_.shape()[0] * y_.shape()[1];
  const std::size_t plane_in = x_->shape()[2] * x_->shape()[3], plane_out = y_.shape()[2] * y_.shape()[3];
  // Per plane, zeroed just before its scatter, while it is in cache.
  parallel_for(planes, plane_in, [&](std::size_t p) {
    T* plane = dx_.data() + p * plane_in;
    std::fill(plane, plane + plane_in, T(0));
    for (std::size_t o = p * plane_out; o < (p + 1) * plane_out; ++o) plane[argmax_[o]] += dy.data()[o];
  });
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
