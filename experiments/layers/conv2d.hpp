// A 2-d convolution as torch.nn.Conv2d (square kernel, stride, zero padding, groups=1):
// x: (N, C, H, W) -> y: (N, O, Ho, Wo), Ho = (H + 2·padding - k)/stride + 1, weight (O, C, k, k).
//
// Lowered onto GEMM (libxsmm's, small_gemm.hpp) by im2col, one sample at a time: col[n] (C·k·k, Ho·Wo) holds the receptive
// fields of sample n, and y[n] (O, Ho·Wo) = W (O, C·k·k) · col[n]. Forward keeps the cols of the
// whole batch for backward, which then reads them instead of building them again (one im2col per
// step instead of two; memory N·C·k²·Ho·Wo, allocated once for a steady input shape):
//   dW += dy[n] · col[n]ᵀ (as dWᵀ += col[n] · dy[n]ᵀ),   dcol = Wᵀ · dy[n] scattered back onto dx[n]
//   by col2im.
//
// Samples are spread over the OpenMP team (norms/core/parallel.hpp), each thread with its own dcol.
// Only dW sums over samples: it is summed in a fixed number of contiguous sample groups that
// depends on N alone, each group in sample order, and the groups are added in order, so the
// result is the same bits whatever the thread count.
#pragma once

#include "experiments/layers/layer.hpp"
#include "experiments/layers/layer_weight.hpp"

namespace normlab {

struct ConvGeometry {
  std::size_t in_channels, out_channels, kernel, stride, padding;
};

template <class T>
class Conv2d final : public Layer<T> {
 public:
  // weight_norm_spec: "" for a plain weight, else a weight-normalization spec ("weight").
  Conv2d(const ConvGeometry& geometry, bool bias, const std::string& weight_norm_spec = "");

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<BufferRef<T>> buffers() override { return weight_.buffers(); }

  const ConvGeometry& geometry() const { return g_; }
  std::size_t fan_in() const { return g_.in_channels * g_.kernel * g_.kernel; }
  std::size_t fan_out() const { return g_.out_channels * g_.kernel * g_.kernel; }
  LayerWeight<T>& weight() { return weight_; }
  bool has_bias() const { return has_bias_; }
  Tensor<T>& bias() { return bias_; }

 private:
  // A 1x1 kernel with stride 1 and no padding reads x[n] as its own col.
  bool col_is_input() const { return g_.kernel == 1 && g_.stride == 1 && g_.padding == 0; }
  // col of sample n of the last input (K, S): x[n] itself, or its block of col_ (built by forward).
  const T* col_of(std::size_t n) const;

  ConvGeometry g_;
  bool has_bias_;
  LayerWeight<T> weight_;          // (O, C, k, k)
  Tensor<T> bias_, bias_grad_;     // (O)
  const Tensor<T>* x_ = nullptr;   // (N, C, H, W): the last input
  const Tensor<T>* w_ = nullptr;   // (O, C, k, k): the weight the last forward used
  std::size_t H_ = 0, W_ = 0, Ho_ = 0, Wo_ = 0;
  std::vector<T> col_;             // (N, C·k·k, Ho·Wo): im2col of the last input, unless col_is_input()
  std::vector<T> dcol_;            // (thread slots, C·k·k, Ho·Wo): one dcol per thread
  std::vector<T> dyt_;             // (thread slots, Ho·Wo, O): dy[n]ᵀ, one per thread
  std::vector<T> dwt_;             // (weight-gradient groups, C·k·k, O): each group's dWᵀ, see backward
  Tensor<T> y_;                    // (N, O, Ho, Wo)
  Tensor<T> dx_;                   // (N, C, H, W)
};

}  // namespace normlab
