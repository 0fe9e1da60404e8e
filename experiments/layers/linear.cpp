#include "experiments/layers/linear.hpp"

#include "experiments/layers/gemm.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, bool bias, const std::string& weight_norm_spec)
    : in_(in_features), out_(out_features), has_bias_(bias), weight_({out_features, in_features}, weight_norm_spec) {
  if (in_ == 0 || out_ == 0) throw InputError("Linear needs in_features and out_features >= 1");
  if (has_bias_) {
    bias_ = Tensor<T>::from_shape({out_});
    bias_.fill(T(0));
    bias_grad_ = bias_;
  }
}

template <class T>
std::string Linear<T>::describe() const {
  return "Linear(" + std::to_string(in_) + ", " + std::to_string(out_) +
         ", bias=" + (has_bias_ ? "true" : "false") +
         (weight_.reparameterized() ? ", " + weight_.spec() : "") + ")";
}

template <class T>
Shape Linear<T>::output_shape(const Shape& input) const {
  if (input.size() != 2 || input[1] != in_)
    throw InputError(describe() + " expects input of shape (N, " + std::to_string(in_) + "), got " +
                     shape_string(input));
  return {input[0], out_};
}

template <class T>
const Tensor<T>& Linear<T>::forward(const Tensor<T>& x, Mode mode) {
  if (x.dimension() != 2 || x.shape()[1] != in_) output_shape(shape_of(x));  // throws
  const std::size_t N = x.shape()[0];
  x_ = &x;
  w_ = &weight_.compute(mode);
  ensure_dims(y_, std::array<std::size_t, 2>{N, out_});
  T beta = T(0);
  if (has_bias_) {  // y starts as b in every row, and the GEMM adds x·Wᵀ to it
    for (std::size_t n = 0; n < N; ++n) std::copy(bias_.data(), bias_.data() + out_, y_.data() + n * out_);
    beta = T(1);
  }
  // y (N, out) = x (N, in) · Wᵀ (in, out) [+ y]
  gemm(Transpose::no, Transpose::yes, N, out_, in_, T(1), x.data(), in_, w_->data(), in_, beta, y_.data(), out_);
  return y_;
}

template <class T>
const Tensor<T>& Linear<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, y_);
  const std::size_t N = dy.shape()[0];
  // dW (out, in) += dyᵀ (out, N) · x (N, in)
  gemm(Transpose::yes, Transpose::no, out_, in_, N, T(1), dy.data(), out_, x_->data(), in_, weight_.grad_beta(),
       weight_.grad_buffer(), in_);
  weight_.finish_backward();
  // db (out) += Σ_n dy[n]
  if (has_bias_) {
    T* db = bias_grad_.data();
    for (std::size_t n = 0; n < N; ++n) {
      const T* row = dy.data() + n * out_;
      for (std::size_t o = 0; o < out_; ++o) db[o] += row[o];
    }
  }
  // dx (N, in) = dy (N, out) · W (out, in)
  if (this->input_grad_needed_) {
    ensure_shape_like(dx_, *x_);
    gemm(Transpose::no, Transpose::no, N, in_, out_, T(1), dy.data(), out_, w_->data(), in_, T(0), dx_.data(), in_);
  }
  return dx_;
}

template <class T>
std::vector<ParameterRef<T>> Linear<T>::parameters() {
  auto params = weight_.parameters();
  if (has_bias_) params.push_back({"bias", &bias_, &bias_grad_});
  return params;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace normlab
