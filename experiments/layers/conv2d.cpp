#include "experiments/layers/conv2d.hpp"

#include <algorithm>

#include <omp.h>

#include "experiments/layers/small_gemm.hpp"
#include "experiments/layers/tensor_shapes.hpp"
#include "norms/core/reductions.hpp"
#include "norms/core/parallel.hpp"

namespace normlab {

namespace {

// The number of sample groups dW is summed over. Fixed (capped by N), never the thread count,
// so that the order of the sum, hence its bits, is the same on any number of threads; 8 keeps
// a few cores busy at the cost of 8 weight-sized partials.
constexpr std::size_t kWeightGradGroups = 8;

// Scratch slots for the threads a parallel_for may run on: its team, or the caller alone when
// it runs inline (the caller may itself be thread t of an outer team).
std::size_t thread_slots() { return std::size_t(std::max(omp_get_max_threads(), omp_get_thread_num() + 1)); }

// The output positions o whose input position i = o·s - p + kk lies inside [0, extent), for a
// kernel offset kk along one axis: [begin, end). Outside that range the tap reads zero padding.
struct Range {
  std::size_t begin, end;
};
inline Range valid_range(std::size_t extent, std::size_t out_extent, std::size_t s, std::size_t p, std::size_t kk) {
  // i >= 0  <=>  o·s >= p - kk;  i < extent  <=>  o·s < extent + p - kk
  const std::size_t begin = kk >= p ? 0 : (p - kk + s - 1) / s;
  const std::size_t limit = extent + p > kk ? extent + p - kk : 0;  // o·s < limit
  const std::size_t end = std::min(out_extent, (limit + s - 1) / s);
  return {std::min(begin, end), end};
}

// Kernel tap (ki, kj) of one channel: element (oh, ow) of its col row (Ho, Wo) is element
// (oh·s - p + ki, ow·s - p + kj) of the input plane (H, W), which lies inside the plane for oh
// in rows and ow in cols (zero padding elsewhere), at index oh·s·W + ow·s + offset.
struct Tap {
  Range rows, cols;
  std::ptrdiff_t offset;
  bool empty() const { return rows.begin == rows.end || cols.begin == cols.end; }
};
inline Tap tap_of(std::size_t H, std::size_t W, std::size_t Ho, std::size_t Wo, const ConvGeometry& g,
                  std::size_t ki, std::size_t kj) {
  const std::size_t s = g.stride, p = g.padding;
  return {valid_range(H, Ho, s, p, ki), valid_range(W, Wo, s, p, kj),
          (std::ptrdiff_t(ki) - std::ptrdiff_t(p)) * std::ptrdiff_t(W) + std::ptrdiff_t(kj) - std::ptrdiff_t(p)};
}

// With stride 1 and Wo == W ("same" padding) the plane index is the col index plus the offset:
// a tap is one run of the plane, from (rows.begin, cols.begin) to (rows.end - 1, cols.end),
// except its padding columns, where the run wraps onto the neighbouring rows' ends. One long
// copy then beats a short one per row.
inline bool taps_are_runs(const ConvGeometry& g, std::size_t W, std::size_t Wo) { return g.stride == 1 && Wo == W; }
inline Range run_of(const Tap& t, std::size_t W) {
  return {t.rows.begin * W + t.cols.begin, (t.rows.end - 1) * W + t.cols.end};
}

// Zeroes the padding columns (outside tap.cols) of the rows inside tap.rows of a col row (Ho, Wo).
// Column by column: there are few of them, and a fill per row would be a memset call per row.
template <class T>
void zero_padding_columns(T* row, const Tap& t, std::size_t Wo) {
  const auto zero_column = [&](std::size_t ow) {
    for (std::size_t oh = t.rows.begin; oh < t.rows.end; ++oh) row[oh * Wo + ow] = T(0);
  };
  for (std::size_t ow = 0; ow < t.cols.begin; ++ow) zero_column(ow);
  for (std::size_t ow = t.cols.end; ow < Wo; ++ow) zero_column(ow);
}

// col (C·k·k, Ho·Wo): row (c, ki, kj) holds x[c, oh·s - p + ki, ow·s - p + kj], 0 outside.
// x: (C, H, W) of one sample.
template <class T>
void im2col(T* col, const T* x, std::size_t C, std::size_t H, std::size_t W, const ConvGeometry& g, std::size_t Ho,
            std::size_t Wo) {
  const std::size_t k = g.kernel, s = g.stride;
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj) {
        T* __restrict row = col + ((c * k + ki) * k + kj) * Ho * Wo;  // (Ho, Wo)
        const T* __restrict plane = x + c * H * W;                     // (H, W)
        const Tap t = tap_of(H, W, Ho, Wo, g, ki, kj);
        if (t.empty()) {
          std::fill(row, row + Ho * Wo, T(0));
          continue;
        }
        std::fill(row, row + t.rows.begin * Wo, T(0));
        std::fill(row + t.rows.end * Wo, row + Ho * Wo, T(0));
        if (taps_are_runs(g, W, Wo)) {
          const Range run = run_of(t, W);
          const T* in = plane + (t.offset + std::ptrdiff_t(run.begin));
          std::copy(in, in + (run.end - run.begin), row + run.begin);
          zero_padding_columns(row, t, Wo);
          continue;
        }
        zero_padding_columns(row, t, Wo);
        for (std::size_t oh = t.rows.begin; oh < t.rows.end; ++oh) {
          const std::ptrdiff_t in = std::ptrdiff_t(oh * s * W) + t.offset;  // plane index of (oh, 0)
          for (std::size_t ow = t.cols.begin; ow < t.cols.end; ++ow) row[oh * Wo + ow] = plane[in + ow * s];
        }
      }
}

// The tap that reads every position of the plane exactly once, if there is one: with stride 1 and
// "same" extents (Ho == H, Wo == W) the centre tap (ki, kj) = (p, p) is the identity map. col2im
// assigns it first and adds the other taps onto it, so dx needs no zero fill.
inline bool has_identity_tap(const ConvGeometry& g, std::size_t H, std::size_t W, std::size_t Ho, std::size_t Wo) {
  return g.stride == 1 && Ho == H && Wo == W && g.padding < g.kernel;
}

// The adjoint of im2col: dx (C, H, W) = scatter of dcol (C·k·k, Ho·Wo), ASSIGNED. Per channel,
// the identity tap (if any) is copied first and the other taps are added in (ki, kj) order;
// otherwise the plane is zeroed and every tap added in that order: a fixed order either way.
// May zero dcol's padding columns on the way (gradients of the padding, which nothing reads).
template <class T>
void col2im(T* dx, T* dcol, std::size_t C, std::size_t H, std::size_t W, const ConvGeometry& g, std::size_t Ho,
            std::size_t Wo) {
  const std::size_t k = g.kernel, s = g.stride;
  const bool identity_first = has_identity_tap(g, H, W, Ho, Wo);
  const std::size_t identity = g.padding * k + g.padding;  // the centre tap's index ki·k + kj
  for (std::size_t c = 0; c < C; ++c) {
    T* __restrict plane = dx + c * H * W;  // (H, W)
    T* const taps = dcol + c * k * k * Ho * Wo;
    if (identity_first)
      std::copy(taps + identity * Ho * Wo, taps + (identity + 1) * Ho * Wo, plane);
    else
      std::fill(plane, plane + H * W, T(0));
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj) {
        if (identity_first && ki * k + kj == identity) continue;
        T* __restrict row = taps + (ki * k + kj) * Ho * Wo;  // (Ho, Wo)
        const Tap t = tap_of(H, W, Ho, Wo, g, ki, kj);
        if (t.empty()) continue;
        if (taps_are_runs(g, W, Wo)) {
          // The run's wrapped padding columns then add zero to the neighbouring rows' ends.
          zero_padding_columns(row, t, Wo);
          const Range run = run_of(t, W);
          T* __restrict out = plane + (t.offset + std::ptrdiff_t(run.begin));
          for (std::size_t i = 0; i < run.end - run.begin; ++i) out[i] += row[run.begin + i];
          continue;
        }
        for (std::size_t oh = t.rows.begin; oh < t.rows.end; ++oh) {
          const std::ptrdiff_t out = std::ptrdiff_t(oh * s * W) + t.offset;  // plane index of (oh, 0)
          for (std::size_t ow = t.cols.begin; ow < t.cols.end; ++ow) plane[out + ow * s] += row[oh * Wo + ow];
        }
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
         (weight_.reparameterized() ? ", " + weight_.spec() : "") + ")";
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
const T* Conv2d<T>::col_of(std::size_t n) const {
  const std::size_t K = fan_in(), S = Ho_ * Wo_;
  return col_is_input() ? x_->data() + n * g_.in_channels * H_ * W_ : col_.data() + n * K * S;
}

template <class T>
const Tensor<T>& Conv2d<T>::forward(const Tensor<T>& x, Mode mode) {
  if (x.dimension() != 4 || x.shape()[1] != g_.in_channels || x.shape()[2] + 2 * g_.padding < g_.kernel ||
      x.shape()[3] + 2 * g_.padding < g_.kernel)
    output_shape(shape_of(x));  // throws
  const std::size_t N = x.shape()[0], C = g_.in_channels, O = g_.out_channels, K = fan_in();
  H_ = x.shape()[2], W_ = x.shape()[3];
  Ho_ = (H_ + 2 * g_.padding - g_.kernel) / g_.stride + 1, Wo_ = (W_ + 2 * g_.padding - g_.kernel) / g_.stride + 1;
  const std::size_t S = Ho_ * Wo_;
  x_ = &x;
  w_ = &weight_.compute(mode);
  ensure_dims(y_, std::array<std::size_t, 4>{N, O, Ho_, Wo_});
  if (!col_is_input()) col_.resize(N * K * S);  // a no-op once the input size is steady
  parallel_for(N, O * K * S, [&](std::size_t n) {
    // col[n] is built and multiplied while it is in this core's cache, and kept for backward
    if (!col_is_input()) im2col(col_.data() + n * K * S, x.data() + n * C * H_ * W_, C, H_, W_, g_, Ho_, Wo_);
    T* yn = y_.data() + n * O * S;
    // y[n] (O, S) = b + W (O, K) · col (K, S): y[n] starts as the bias and the GEMM adds onto it
    if (has_bias_)
      for (std::size_t o = 0; o < O; ++o) std::fill(yn + o * S, yn + (o + 1) * S, bias_.data()[o]);
    small_gemm(Transpose::no, O, S, K, w_->data(), K, col_of(n), S, has_bias_, yn, S);
  });
  return y_;
}

template <class T>
const Tensor<T>& Conv2d<T>::backward(const Tensor<T>& dy) {
  if (!x_) throw InputError(describe() + ": backward before forward");
  check_output_grad(*this, dy, y_);
  const std::size_t N = dy.shape()[0], C = g_.in_channels, O = g_.out_channels, K = fan_in(), S = Ho_ * Wo_;
  const bool need_dx = this->input_grad_needed_;
  const std::size_t slots = thread_slots();
  if (need_dx) ensure_shape_like(dx_, *x_);
  if (need_dx && !col_is_input()) dcol_.resize(slots * K * S);
  dyt_.resize(slots * S * O);
  // Each group sums its samples' dWᵀ (K, O) in sample order into its own slice of dwt_, and the
  // slices are added in group order after: dW's bits do not depend on which thread ran a group.
  // (dWᵀ because libxsmm, small_gemm.hpp, has no kernel for dW = dy · colᵀ with col in place.)
  const std::size_t groups = std::clamp<std::size_t>(N, 1, kWeightGradGroups);
  dwt_.resize(groups * K * O);
  const std::size_t work_per_sample = (need_dx ? 2 : 1) * O * K * S;
  parallel_for(groups, (N + groups - 1) / groups * work_per_sample, [&](std::size_t group) {
    const std::size_t slot = std::size_t(omp_get_thread_num());
    T* group_dwt = dwt_.data() + group * K * O;
    T* dyt = dyt_.data() + slot * S * O;
    const Block samples = block_of(N, groups, group);
    for (std::size_t n = samples.begin; n < samples.end; ++n) {
      const T* dyn = dy.data() + n * O * S;
      // dWᵀ (K, O) += col[n] (K, S) · dy[n]ᵀ (S, O), with the col forward kept
      transpose(dyt, dyn, O, S);
      small_gemm(Transpose::no, K, O, S, col_of(n), S, dyt, O, n != samples.begin, group_dwt, O);
      if (!need_dx) continue;
      T* dxn = dx_.data() + n * C * H_ * W_;
      // dcol (K, S) = Wᵀ (K, O) · dy[n] (O, S); with col = x[n] it is dx[n] itself
      T* dcol = col_is_input() ? dxn : dcol_.data() + slot * K * S;
      small_gemm(Transpose::yes, K, S, O, w_->data(), K, dyn, S, false, dcol, S);
      if (!col_is_input()) col2im(dxn, dcol, C, H_, W_, g_, Ho_, Wo_);
    }
  });
  // dW (O, K): assigned or accumulated as the weight asks (see LayerWeight), from the groups' dWᵀ.
  T* dw = weight_.grad_buffer();
  const bool assign = weight_.grad_beta() == T(0);
  if (N == 0) {
    if (assign) std::fill(dw, dw + O * K, T(0));
  } else {
    parallel_for(O, groups * K, [&](std::size_t o) {
      for (std::size_t i = 0; i < K; ++i) {
        T sum = dwt_[i * O + o];
        for (std::size_t group = 1; group < groups; ++group) sum += dwt_[(group * K + i) * O + o];
        dw[o * K + i] = assign ? sum : dw[o * K + i] + sum;
      }
    });
  }
  weight_.finish_backward();
  // db[o] += Σ_{n, s} dy[n, o, s]: each sample's plane by the normalizers' lane-accumulated double
  // sum, samples in order. (A plain float loop is one dependent add per element: it was 6 % of
  // a CNN training step, and loses precision over N·S terms.)
  if (has_bias_)
    parallel_for(O, N * S, [&](std::size_t o) {
      double total = 0;
      for (std::size_t n = 0; n < N; ++n) total += kernels::sum(dy.data() + (n * O + o) * S, S);
      bias_grad_.data()[o] = T(double(bias_grad_.data()[o]) + total);
    });
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
