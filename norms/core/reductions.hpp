// Sums over contiguous runs, accumulated in double with a fixed number of independent lanes.
// Fixed lanes keep the summation order a function of the length and the element type only
// (bit-stable results whatever the thread count), and let the compiler vectorize without
// -ffast-math (which would let it reorder as it likes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace normlab::kernels {

// Eight double accumulators as one vector (GCC's vector extensions): lane l sums the elements
// i ≡ l (mod lanes) in order, as a scalar array of lanes would, but the compiler no longer has
// to discover that. It did not for float: GCC 12 left the float lane loops scalar (a convert
// and an add per element; layer norm (128, 1024) forward 87 µs at 1 thread).
constexpr std::size_t kVectorLanes = 8;
using Lanes = double __attribute__((vector_size(kVectorLanes * sizeof(double))));
using FloatLanes = float __attribute__((vector_size(kVectorLanes * sizeof(float))));

// Accumulator vectors per type: float runs two (16 lanes). One chain of dependent vector adds
// retires 8 elements per add latency (4 cycles), 27 GB/s of float at 3.4 GHz, below what one
// core streams (43.7 GB/s); two chains lift that bound above it. Double's 8 lanes already move
// 54 GB/s, so double keeps one (and its bits).
template <class T>
constexpr std::size_t kChains = std::is_same_v<T, float> ? 2 : 1;
template <class T>
constexpr std::size_t kLanes = kChains<T> * kVectorLanes;

// x[i .. i + kVectorLanes) as doubles; unaligned loads.
inline Lanes load_lanes(const double* x) {
  Lanes v;
  std::memcpy(&v, x, sizeof v);
  return v;
}
inline Lanes load_lanes(const float* x) {
  FloatLanes v;
  std::memcpy(&v, x, sizeof v);
  return __builtin_convertvector(v, Lanes);
}

// y[i .. i + kVectorLanes) = v, rounded to y's type.
inline void store_lanes(double* y, const Lanes& v) { std::memcpy(y, &v, sizeof v); }
inline void store_lanes(float* y, const Lanes& v) {
  const FloatLanes f = __builtin_convertvector(v, FloatLanes);
  std::memcpy(y, &f, sizeof f);
}

// total + Σ over the lanes, in lane order.
template <std::size_t K>
double fold_lanes(double total, const Lanes (&lane)[K]) {
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t l = 0; l < kVectorLanes; ++l) total += lane[k][l];
  return total;
}

// Software prefetch a fixed distance ahead of a streaming read. The lane loops below have long
// floating-point dependency chains (convert, subtract, multiply-add); with only the hardware
// prefetcher, one core then keeps too few cache lines in flight to stream from DRAM at full
// speed (measured, 1 thread, Σ dy·(x − mean) over 64 MiB arrays: 0.42 → 0.31 ns per element
// with this prefetch; a plain float loop over the same two streams takes 0.34). Elementwise
// loops do not gain from it (measured slower), so only the reductions prefetch. A prefetch
// never faults, and the address is formed as an integer so no pointer leaves its array.
constexpr std::uintptr_t kPrefetchBytes = 1024;
template <class T>
inline void prefetch_ahead(const T* p) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + kPrefetchBytes));
}

// Σ x[i]; x: (n)
template <class T>
double sum(const T* x, std::size_t n) {
  constexpr std::size_t K = kChains<T>;
  Lanes lane[K] = {};
  std::size_t i = 0;
  for (; i + kLanes<T> <= n; i += kLanes<T>) {
    prefetch_ahead(x + i);
    for (std::size_t k = 0; k < K; ++k) lane[k] += load_lanes(x + i + k * kVectorLanes);
  }
  double total = 0;
  for (; i < n; ++i) total += double(x[i]);
  return fold_lanes(total, lane);
}

// Σ (x[i] - mean)²; x: (n). The second pass of a two-pass variance.
template <class T>
double sum_squared_deviation(const T* x, std::size_t n, double mean) {
  constexpr std::size_t K = kChains<T>;
  Lanes lane[K] = {};
  std::size_t i = 0;
  for (; i + kLanes<T> <= n; i += kLanes<T>) {
    prefetch_ahead(x + i);
    for (std::size_t k = 0; k < K; ++k) {
      const Lanes d = load_lanes(x + i + k * kVectorLanes) - mean;
      lane[k] += d * d;
    }
  }
  double total = 0;
  for (; i < n; ++i) {
    const double d = double(x[i]) - mean;
    total += d * d;
  }
  return fold_lanes(total, lane);
}

// Σ (x - shift) and Σ (x - shift)² over one or more runs of x, then their mean and biased
// variance: one pass for the mean and variance of float data. With double accumulators and a
// shift from the data (its first element), Σd² - (Σd)²/n loses at most about n·2⁻⁵³ of the
// variance (since (x₀ - mean)² ≤ n·var), far below float's rounding; a constant run gives
// exactly zero. The lanes carry over from run to run (batch norm adds a channel's N runs of S),
// so short runs do not pay a fold each.
template <class T>
class ShiftedMoments {
 public:
  explicit ShiftedMoments(double shift) : shift_(shift) {}

  // Adds x: (n).
  void add(const T* x, std::size_t n) {
    // The lanes in locals for the loop: load_lanes' memcpy may alias anything, so accumulating
    // into the members of an object held in memory would store and reload them every iteration
    // (measured on an array of these: batch norm's forward 4.7 → 7.0 ms).
    Lanes sum[K], squares[K];
    for (std::size_t k = 0; k < K; ++k) sum[k] = sum_[k], squares[k] = squares_[k];
    std::size_t i = 0;
    for (; i + kLanes<T> <= n; i += kLanes<T>) {
      prefetch_ahead(x + i);
      for (std::size_t k = 0; k < K; ++k) {
        const Lanes d = load_lanes(x + i + k * kVectorLanes) - shift_;
        sum[k] += d;
        squares[k] += d * d;
      }
    }
    for (std::size_t k = 0; k < K; ++k) sum_[k] = sum[k], squares_[k] = squares[k];
    double tail_sum = tail_sum_, tail_squares = tail_squares_;
    for (; i < n; ++i) {
      const double d = double(x[i]) - shift_;
      tail_sum += d;
      tail_squares += d * d;
    }
    tail_sum_ = tail_sum, tail_squares_ = tail_squares;
  }

  // Mean and biased variance of the count elements added.
  void finish(double count, double& mean, double& var) const {
    const double s = fold_lanes(tail_sum_, sum_), sq = fold_lanes(tail_squares_, squares_);
    mean = shift_ + s / count;
    const double v = (sq - s * (s / count)) / count;
    var = v > 0 ? v : 0;  // rounding can leave a constant run a hair below zero
  }

 private:
  static constexpr std::size_t K = kChains<T>;
  double shift_ = 0;
  Lanes sum_[K] = {}, squares_[K] = {};
  double tail_sum_ = 0, tail_squares_ = 0;
};

// Whether statistics of T take one pass (shifted sums) or two (mean, then squared deviations).
// Float's one pass reads x once instead of twice; double keeps the two passes, whose error is
// independent of the shift, so the float64 results stay what the fixtures check to 1e-10.
template <class T>
constexpr bool kOnePassMoments = std::is_same_v<T, float>;

// Mean and biased variance of x: (n), n > 0.
template <class T>
void moments(const T* x, std::size_t n, double& mean, double& var) {
  if constexpr (kOnePassMoments<T>) {
    ShiftedMoments<T> acc{double(x[0])};
    acc.add(x, n);
    acc.finish(double(n), mean, var);
  } else {
    mean = sum(x, n) / double(n);
    var = sum_squared_deviation(x, n, mean) / double(n);
  }
}

// Σ a[i]·b[i]; a, b: (n), of the same type or not (spectral norm's W·z has a double z). Weight
// norm's v·dw. The lanes are a's.
template <class A, class B>
double dot(const A* a, const B* b, std::size_t n) {
  constexpr std::size_t K = kChains<A>;
  Lanes lane[K] = {};
  std::size_t i = 0;
  for (; i + kLanes<A> <= n; i += kLanes<A>) {
    prefetch_ahead(a + i);
    prefetch_ahead(b + i);
    for (std::size_t k = 0; k < K; ++k)
      lane[k] += load_lanes(a + i + k * kVectorLanes) * load_lanes(b + i + k * kVectorLanes);
  }
  double total = 0;
  for (; i < n; ++i) total += double(a[i]) * double(b[i]);
  return fold_lanes(total, lane);
}

// Σ dy[i] and Σ dy[i]·(x[i] - mean); dy, x: (n). The two sums every normalizer backward needs.
template <class T>
void sum_dy_and_dy_centered(const T* dy, const T* x, std::size_t n, double mean, double& sum_dy,
                            double& sum_dy_centered) {
  constexpr std::size_t K = kChains<T>;
  Lanes lane_dy[K] = {}, lane_dyc[K] = {};
  std::size_t i = 0;
  for (; i + kLanes<T> <= n; i += kLanes<T>) {
    prefetch_ahead(dy + i);
    prefetch_ahead(x + i);
    for (std::size_t k = 0; k < K; ++k) {
      const Lanes g = load_lanes(dy + i + k * kVectorLanes);
      lane_dy[k] += g;
      lane_dyc[k] += g * (load_lanes(x + i + k * kVectorLanes) - mean);
    }
  }
  double total_dy = 0, total_dyc = 0;
  for (; i < n; ++i) {
    total_dy += double(dy[i]);
    total_dyc += double(dy[i]) * (double(x[i]) - mean);
  }
  sum_dy = fold_lanes(total_dy, lane_dy);
  sum_dy_centered = fold_lanes(total_dyc, lane_dyc);
}

// Σ dy[i]·w[i] and Σ dy[i]·w[i]·(x[i] - mean); dy, w, x: (n). The same sums for dŷ = dy·γ with a
// per-element γ (layer norm).
template <class T>
void sum_scaled_and_scaled_centered(const T* __restrict dy, const T* __restrict w, const T* __restrict x,
                                    std::size_t n, double mean, double& sum_scaled, double& sum_scaled_centered) {
  constexpr std::size_t K = kChains<T>;
  Lanes lane_a[K] = {}, lane_b[K] = {};
  std::size_t i = 0;
  for (; i + kLanes<T> <= n; i += kLanes<T>) {
    prefetch_ahead(dy + i);
    prefetch_ahead(x + i);
    for (std::size_t k = 0; k < K; ++k) {
      const std::size_t at = i + k * kVectorLanes;
      const Lanes dyhat = load_lanes(dy + at) * load_lanes(w + at);
      lane_a[k] += dyhat;
      lane_b[k] += dyhat * (load_lanes(x + at) - mean);
    }
  }
  double total_a = 0, total_b = 0;
  for (; i < n; ++i) {
    const double dyhat = double(dy[i]) * double(w[i]);
    total_a += dyhat;
    total_b += dyhat * (double(x[i]) - mean);
  }
  sum_scaled = fold_lanes(total_a, lane_a);
  sum_scaled_centered = fold_lanes(total_b, lane_b);
}

}  // namespace normlab::kernels
