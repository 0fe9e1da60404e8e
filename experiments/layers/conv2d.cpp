#include "experiments/layers/conv2d.hpp"

#include <algorithm>

#include "experiments/layers/gemm.hpp"
#include "experiments/layers/tensor_shapes.hpp"

namespace normlab {

namespace {

// The output columns ow whose input column iw = ow·s - p + kj lies inside [0, W): [begin, end).
// Outside that range the kernel tap reads zero padding.
struct ColumnRange {
  std::size_t begin, end;
};
inline ColumnRange valid_columns(std::size_t W, std::size_t Wo, std::size_t s, std::size_t p, std::size_t kj) {
  // iw >= 0  <=>  ow·s >= p - kj;  iw < W  <=>  ow·s < W + p - kj
  const std::size_t begin = kj >= p ? 0 : (p - kj + s - 1) / s;
  const std::size_t limit = W + p > kj ? W + p - kj : 0;  // ow·s < limit
  const std::size_t end = std::min(Wo, (limit + s - 1) / s);
  return {std::min(begin, end), end};
}

// col (C·k·k, Ho·Wo): row (c, ki, kj) holds x[c, oh·s - p + ki, ow·s - p + kj], 0 outside.
// x: (C, H, W) of one sample.
template <class T>
void im2col(T* col, const T* x, std::size_t C, std::size_t H, std::size_t W, const ConvGeometry& g, std::size_t Ho,
            std::size_t Wo) {
  const std::size_t k = g.kernel, s = g.stride, p = g.padding;
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj) {
        T* row = col + ((c * k + ki) * k + kj) * Ho * Wo;
        const ColumnRange cols = valid_columns(W, Wo, s, p, kj);
        for (std::size_t oh = 0; oh < Ho; ++oh) {
          T* __restrict out = row + oh * Wo;
          const long ih = long(oh * s) - long(p) + long(ki);
          if (ih < 0 || ih >= long(H)) {
            std::fill(out, out + Wo, T(0));
            continue;
          }
          // in[ow·s] is x[c, ih, ow·s - p + kj]; only read for ow in the valid range.
          const T* __restrict in = x + (c * H + std::size_t(ih)) * W + kj - p;
          std::fill(out, out + cols.begin, T(0));
          if (s == 1)
            std::copy(in + cols.begin, in + cols.end, out + cols.begin);
          else
            for (std::size_t ow = cols.begin; ow < cols.end; ++ow) out[ow] = in[ow * s];
          std::fill(out + cols.end, out + Wo, T(0));
        }
      }
}

// The adjoint of im2col: dx (C, H, W) += scatter of dcol (C·k·k, Ho·Wo).
template <class T>
void col2im_add(T* dx, const T* dcol, std::size_t C, std::size_t H, std::size_t W, const ConvGeometry& g,
                std::size_t Ho, std::size_t Wo) {
  const std::size_t k = g.kernel, s = g.stride, p = g.padding;
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj) {
        const T* row = dcol + ((c * k + ki) * k + kj) * Ho * Wo;
        const ColumnRange cols = valid_columns(W, Wo, s, p, kj);
        for (std::size_t oh = 0; oh < Ho; ++oh) {
          const long ih = long(oh * s) - long(p) + long(ki);
          if (ih < 0 || ih >= long(H)) continue;
          T* __restrict out = dx + (c * H + std::size_t(ih)) * W + kj - p;  // out[ow·s] is dx[c, ih, iw]
          const T* __restrict in = row + oh * Wo;
          if (s == 1)
            for (std::size_t ow = cols.begin; ow < cols.end; ++ow) out[ow] += in[ow];
          else
            for (std::size_t ow = cols.begin; ow < cols.end; ++ow) out[ow * s] += in[ow];
        }
      }
}

}  // namespace

template <class T>
Conv2d<T>::Conv2d(const ConvGeometry& geometry, bool bias, const std::string& weight_norm_spec)
    : g_(geometry),
      has_bias_(bias),
      weight_({geometry.out_channels, geometry.in_channels, geometry.kernel, geometry.kernel}, weight_norm_spec) {
  if (g_.in_channels == 0 || g_.out_channels == 0 || g_.kernel == 0 || g_.stride == 0)
    throw InputError("Conv2d needs in_channels, out_channels, kernel_size and stride >= 1");
  if (has_bias_) {
    bias_ = Tensor<T>::from_shape({g_.out_channels});
    bias_.fill(T(0));
    bias_grad_ = bias_;
  }
}

template <class T>
std::string Conv2d<T>::describe() const {
  return "Conv2d(" + std::to_string(g_.in_channels) + ", " + std::to_string(g_.out_channels) +
         ", kernel_size=" + std::to_string(g_.kernel) + ", stride=" + std::to_string(g_.stride) +
         ", padding=" + std::to_string(g_.padding) + ", bias=" + (has_bias_ ? "true" : "false") +
         (weight_.reparameterized() ? ", weight_norm" : "") + ")";
}

template <class T>
Shape Conv2d<T>::output_shape(const Shape& input) const {
  if (input.size() != 4 || input[1] != g_.in_channels)
    throw InputError(describe() + " expects input of shape (N, " + std::to_string(g_.in_channels) + ", H, W), got " +
                     shape_string(input));
  const std::size_t H = input[2] + 2 * g_.padding, W = input[3] + 2 * g_.padding;
  if (H < g_.kernel || W < g_.kernel)
    throw InputError(describe() + ": input " + shape_string(input) + " is smaller than the kernel");
  return {input[0], g_.out_channels, (H - g_.kernel) / g_.stride + 1, (W - g_.kernel) / g_.stride + 1};
}

template <class T>
const Tensor<T>& Conv2d<T>::forward(const Tensor<T>& x, Mode /*mode*/) {
  if (x.dimension() != 4 || x.shape()[1] != g_.in_channels || x.shape()[2] + 2 * g_.padding < g_.kernel ||
      x.shape()[3] + 2 * g_.padding < g_.kernel)
    output_shape(shape_of(x));  // throws
  const std::size_t N = x.shape()[0], C = g_.in_channels, O = g_.out_channels, K = fan_in();
  H_ = x.shape()[2], W_ = x.shape()[3];
  Ho_ = (H_ + 2 * g_.padding - g_.kernel) / g_.stride + 1, Wo_ = (W_ + 2 * g_.padding - g_.kernel) / g_.stride + 1;
  const std::size_t S = Ho_ * Wo_;
  x_ = &x;
  w_ = &weight_.compute();
  ensure_dims(y_, std::array<std::size_t, 4>{N, O, Ho_, Wo_});
  if (!col_is_input()) col_.resize(K * S);  // a no-op once the input size is steady
  for (std::size_t n = 0; n < N; ++n) {
    const T* xn = x.data() + n * C * H_ * W_;
    const T* col = xn;
    if (!col_is_input()) {
      im2col(col_.data(), xn, C, H_, W_, g_, Ho_, Wo_);
      col = col_.data();
    }
    T* yn = y_.data() + n * O * S;
    // y[n] (O, S) = W (O, K) · col (K, S)
    gemm(Transpose::no, Transpose::no, O, S, K, T(1), w_->data(), K, col, S, T(0), yn, S);
    if (has_bias_)
      for (std::size_t o = 0; o < O; ++o) {
        const T b = bias_.data()[o];
        for (std::size_t i = 0; i < S; ++i) yn[o * S + i] += b;
      }
  }
  return y_;
}

template <class T>
const Tensor<T>& Conv2d<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, y_);
  const std::size_t N = dy.shape()[0], C = g_.in_channels, O = g_.out_channels, K = fan_in(), S = Ho_ * Wo_;
  const bool need_dx = this->input_grad_needed_;
  if (need_dx) {
    ensure_shape_like(dx_, *x_);
    if (!col_is_input()) {
      dx_.fill(T(0));  // col2im accumulates
      dcol_.resize(K * S);
    }
  }
  T* dw = weight_.grad_buffer();
  for (std::size_t n = 0; n < N; ++n) {
    const T* xn = x_->data() + n * C * H_ * W_;
    const T* dyn = dy.data() + n * O * S;
    const T* col = xn;
    if (!col_is_input()) {
      im2col(col_.data(), xn, C, H_, W_, g_, Ho_, Wo_);  // recomputed: see the header
      col = col_.data();
    }
    // dW (O, K) += dy[n] (O, S) · colᵀ (S, K); the first sample may assign (see LayerWeight)
    gemm(Transpose::no, Transpose::yes, O, K, S, T(1), dyn, S, col, S, n == 0 ? weight_.grad_beta() : T(1), dw, K);
    if (need_dx) {
      T* dxn = dx_.data() + n * C * H_ * W_;
      // dcol (K, S) = Wᵀ (K, O) · dy[n] (O, S); with col = x[n] it is dx[n] itself
      T* dcol = col_is_input() ? dxn : dcol_.data();
      gemm(Transpose::yes, Transpose::no, K, S, O, T(1), w_->data(), K, dyn, S, T(0), dcol, S);
      if (!col_is_input()) col2im_add(dxn, dcol, C, H_, W_, g_, Ho_, Wo_);
    }
  }
  if (N == 0 && weight_.grad_beta() == T(0)) std::fill(dw, dw + O * K, T(0));
  weight_.finish_backward();
  // db[o] += Σ_{n, s} dy[n, o, s]
  if (has_bias_)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t o = 0; o < O; ++o) {
        const T* row = dy.data() + (n * O + o) * S;
        T sum = T(0);
        for (std::size_t i = 0; i < S; ++i) sum += row[i];
        bias_grad_.data()[o] += sum;
      }
  return dx_;
}

template <class T>
std::vector<ParameterRef<T>> Conv2d<T>::parameters() {
  auto params = weight_.parameters();
  if (has_bias_) params.push_back({"bias", &bias_, &bias_grad_});
  return params;
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace normlab
