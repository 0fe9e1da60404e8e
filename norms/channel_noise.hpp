// "Noisy" batch norm (Santurkar et al. 2018, section 2.1 and Figure 2): after normalizing, a
// random per-channel scale and shift, drawn anew at every training forward, re-introduce the
// distributional instability batch norm removes:
//   y = s_c · BN(x) + m_c,   m_c ~ U(−shift, shift),   s_c ~ U(1, 1 + scale)
// (non-zero mean and non-unit variance that change every step, as they describe; the magnitudes
// are keys, not taken from their code). Evaluation applies the noise's expectation, the fixed map
// y = (1 + scale/2) · BN(x), as inverted dropout does: a network trained under the noise then sees
// activations of the size it learned with (evaluating without any noise would shrink them).
//
// The draws are a function of (seed, forward count) alone: the count is a buffer ("noise_step"),
// so checkpoints and the probes' snapshots restore it with the running statistics, and a replayed
// forward draws the same noise. The seed comes from the run's initialization stream (reseed()).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "norms/core/tensor.hpp"

namespace normlab {

template <class T>
class ChannelNoise {
 public:
  ChannelNoise(double shift, double scale, std::size_t channels)
      : shift_(shift), scale_(scale), count_(filled<T>({1}, 0)), s_(channels, 1), m_(channels, 0) {}

  bool enabled() const { return shift_ > 0 || scale_ > 0; }
  void reseed(std::uint64_t seed) { seed_ = seed; }
  Tensor<T>& count() { return count_; }

  // Draws this forward's s and m and advances the count.
  void draw() {
    std::uint64_t state = seed_ ^ (std::uint64_t(count_.data()[0]) * 0xd1b54a32d192ed03ull);
    for (std::size_t c = 0; c < s_.size(); ++c) {
      s_[c] = 1 + scale_ * uniform(state);
      m_[c] = shift_ * (2 * uniform(state) - 1);
    }
    count_.data()[0] += T(1);
  }

  // Evaluation: the expectation of the noise, s_c = 1 + scale/2, m_c = 0.
  void set_expectation() {
    std::fill(s_.begin(), s_.end(), 1 + scale_ / 2);
    std::fill(m_.begin(), m_.end(), 0.0);
  }

  // y: (N, C, S), in place: y = s_c · y + m_c.
  void apply(T* y, std::size_t n, std::size_t s) const {
    const std::size_t channels = s_.size();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < channels; ++c) {
        T* row = y + (i * channels + c) * s;
        for (std::size_t j = 0; j < s; ++j)
          row[j] = T(s_[c] * double(row[j]) + m_[c]);
      }
  }

  // d(loss)/d(BN(x)) = s_c · dy: (N, C, S) into `out` (resized once).
  void scale_gradient(const T* dy, std::size_t n, std::size_t s, std::vector<T>& out) const {
    const std::size_t channels = s_.size();
    out.resize(n * channels * s);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t j = 0; j < s; ++j)
          out[(i * channels + c) * s + j] = T(s_[c] * double(dy[(i * channels + c) * s + j]));
  }

 private:
  // splitmix64 step, as a uniform in [0, 1) with 53 bits.
  static double uniform(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }

  double shift_, scale_;
  std::uint64_t seed_ = 0;
  Tensor<T> count_;            // (1): training forwards so far, the buffer "noise_step"
  std::vector<double> s_, m_;  // (C): the last forward's scale and shift
};

}  // namespace normlab
