// A residual block (He et al., 2016): y = relu(branch(x) + shortcut(x)), where the branch holds
// the block's convolutions and normalizers (conv-norm-relu-conv-norm in the pre placement) and
// the shortcut is the identity or a projection (1x1 conv with stride, then a normalizer).
// The sublayers are named as in PyTorch's BasicBlock: "conv1", "norm1", ..., "shortcut.0".
//
// Backward: dz = dy·[y > 0] flows into both paths, and dx = d(branch)/dx + d(shortcut)/dx.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "experiments/layers/layer.hpp"

namespace normlab {

template <class T>
class ResidualBlock final : public Layer<T> {
 public:
  using NamedLayer = std::pair<std::string, std::unique_ptr<Layer<T>>>;

  // shortcut empty: the identity. The two paths must produce the same shape.
  ResidualBlock(std::string description, std::vector<NamedLayer> branch, std::vector<NamedLayer> shortcut);

  std::string describe() const override { return description_; }
  Shape output_shape(const Shape& input) const override;
  const Tensor<T>& forward(const Tensor<T>& x, Mode mode) override;
  const Tensor<T>& backward(const Tensor<T>& dy) override;
  std::vector<ParameterRef<T>> parameters() override;
  std::vector<BufferRef<T>> buffers() override;
  std::vector<std::pair<std::string, Layer<T>*>> sublayers() override;

 private:
  std::string description_;
  std::vector<NamedLayer> branch_, shortcut_;
  Tensor<T> y_;   // relu(branch + shortcut), the output's shape
  Tensor<T> dz_;  // dy·[y > 0]
  Tensor<T> dx_;  // the input's shape
};

}  // namespace normlab
