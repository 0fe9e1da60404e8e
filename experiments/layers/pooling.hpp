// Pooling layers on x: (N, C, H, W):
//   MaxPool2d(k, stride) and AvgPool2d(k, stride) as torch.nn's (no padding, floor mode):
//     y: (N, C, Ho, Wo), Ho = (H - k)/stride + 1;
//   GlobalAvgPool: y: (N, C), the mean over H·W (torch.nn.AdaptiveAvgPool2d(1) then flatten).
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class MaxPool2d final : public Layer<T> {
 public:
  MaxPool2d(std::size_t kernel, std::size_t stride);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  // dx is dy routed to the window's maximum (the first one on ties, as PyTorch).
  const Tensor<T>& backward(const Tensor<T>& dy) override;

 private:
  std::size_t kernel_, stride_;
  const Tensor<T>* x_ = nullptr;  // (N, C, H, W): the last input
  std::vector<std::uint32_t> argmax_;  // (N, C, Ho, Wo): index of the maximum in its (H, W) plane
  Tensor<T> y_, dx_;
};

template <class T>
class AvgPool2d final : public Layer<T> {
 public:
  AvgPool2d(std::size_t kernel, std::size_t stride);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;  // dx = dy/k² over each window

 private:
  std::size_t kernel_, stride_;
  const Tensor<T>* x_ = nullptr;  // (N, C, H, W): the last input
  Tensor<T> y_, dx_;
};

template <class T>
class GlobalAvgPool final : public Layer<T> {
 public:
  std::string describe() const override { return "GlobalAvgPool()"; }
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;  // dx = dy/(H·W) everywhere

 private:
  const Tensor<T>* x_ = nullptr;  // (N, C, H, W): the last input
  Tensor<T> y_, dx_;
};

}  // namespace normlab
