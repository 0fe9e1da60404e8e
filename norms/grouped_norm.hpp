// The shared implementation of layer, group and instance normalization: per-sample statistics
// over groups of consecutive channels (see kernels/group_kernels.hpp). Each subclass only says
// how an input is viewed as (N, C, S) with G groups, and what shape its affine parameters have.
#pragma once

#include <cmath>

#include "norms/kernels/group_kernels.hpp"
#include "norms/normalizer.hpp"
#include "norms/shape_checks.hpp"

namespace normlab {

template <class T>
class GroupedNorm : public Normalizer<T> {
 public:
  bool has_shift() const override { return affine_ && shift_; }

  std::vector<ParameterRef<T>> parameters() override {
    if (!affine_) return {};
    if (!shift_) return {{"weight", &weight_, &weight_grad_}};
    return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_}};
  }

  void forward(const Tensor<T>& x, Tensor<T>& y, Mode /*mode*/) override { forward_with_batch_stats(x, y); }
  void backward(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) override {
    backward_with_batch_stats(x, dy, dx);
  }

 protected:
  // param_shape: the shape of weight and bias, whose flat size is the layout's C. shift: with
  // affine, whether there is a bias (torch.nn.LayerNorm(bias=False) has the weight alone).
  GroupedNorm(std::string who, double eps, bool affine, const Shape& param_shape, bool shift = true)
      : who_(std::move(who)), backward_who_(who_ + " backward"), eps_(eps), affine_(affine), shift_(shift) {
    if (affine_) {
      weight_ = filled<T>(param_shape, 1);
      bias_ = weight_grad_ = bias_grad_ = filled<T>(param_shape, 0);
    }
  }

  // Checks x's shape and views it as (N, C, S) with G groups.
  virtual kernels::GroupLayout layout_for(const Tensor<T>& x) const = 0;

  void forward_with_batch_stats(const Tensor<T>& x, Tensor<T>& y) {
    layout_ = layout_for(x);
    mean_.resize(layout_.rows());  // no-op once the batch size is steady
    rstd_.resize(layout_.rows());
    kernels::group_statistics(mean_.data(), rstd_.data(), x.data(), layout_, eps_);
    ensure_shape(y, x.shape());
    kernels::group_normalize(y.data(), x.data(), gamma(), beta(), mean_.data(), rstd_.data(), layout_);
  }

  void backward_with_batch_stats(const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) {
    check_last_input(x, dy);
    scratch_.resize(2 * layout_.N * layout_.C);
    ensure_shape(dx, x.shape());
    kernels::group_backward(dx.data(), affine_ ? weight_grad_.data() : nullptr,
                            has_shift() ? bias_grad_.data() : nullptr, dy.data(), x.data(), gamma(),
                            mean_.data(), rstd_.data(), layout_, scratch_.data());
  }

  void check_last_input(const Tensor<T>& x, const Tensor<T>& dy) const {
    const auto& shape = x.shape();
    check_same_shape(backward_who_.c_str(), "dy", dy.shape(), shape);
    if (shape_product(shape) != layout_.N * layout_.C * layout_.S || shape[0] != layout_.N)
      throw InputError(who_ + " backward: x of shape " + shape_string(shape) + " is not the last forward's input");
  }

  const T* gamma() const { return affine_ ? weight_.data() : nullptr; }
  const T* beta() const { return has_shift() ? bias_.data() : nullptr; }

  std::string who_, backward_who_;  // for messages, built once
  double eps_;
  bool affine_;
  bool shift_;  // with affine_: a bias as well as a weight
  Tensor<T> weight_, bias_, weight_grad_, bias_grad_;
  kernels::GroupLayout layout_{0, 0, 0, 1};
  std::vector<double> mean_, rstd_;  // (N·G): statistics of the last forward
  std::vector<double> scratch_;      // (2·N·C): backward's per-(n, c) sums
};

}  // namespace normlab
