// Grouped row normalization: the one computation behind layer, group and instance normalization.
//
// Layout: x, y, dy, dx: (N, C, S) row-major. The C channels of a sample form G groups of C/G
// consecutive channels; each (n, g) is one statistic row of M = (C/G)·S contiguous elements.
//   group norm:    (N, C, S) with G groups
//   instance norm: (N, C, S) with G = C
//   layer norm:    (N, L, 1) with G = 1, L = all non-batch elements (per-element affine)
// gamma, beta: (C), or null for no affine step (beta alone may be null: a scale without a shift). mean, rstd:
// (N·G), one per statistic row.
//
// Forward caches only mean and rstd; backward recomputes x̂ = (x - mean)·rstd from x.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "norms/kernels/affine_step.hpp"
#include "norms/core/reductions.hpp"
#include "norms/core/parallel.hpp"

namespace normlab::kernels {

struct GroupLayout {
  std::size_t N, C, S, G;
  std::size_t channels_per_group() const { return C / G; }
  std::size_t row_length() const { return C / G * S; }
  std::size_t rows() const { return N * G; }
};

// mean, rstd: (N·G) written. Accumulated in double (kernels::moments: one pass for float, two
// for double).
template <class T>
void group_statistics(double* mean, double* rstd, const T* x, const GroupLayout& L, double eps) {
  const std::size_t M = L.row_length();
  parallel_for(L.rows(), M, [&](std::size_t row) {
    double m, var;  // var biased, as PyTorch normalizes
    moments(x + row * M, M, m, var);
    mean[row] = m;
    rstd[row] = 1.0 / std::sqrt(var + eps);
  });
}

// y: (N, C, S) written from x and the row statistics.
template <class T>
void group_normalize(T* y, const T* x, const T* gamma, const T* beta, const double* mean, const double* rstd,
                     const GroupLayout& L) {
  const std::size_t M = L.row_length(), Cg = L.channels_per_group(), S = L.S;
  parallel_for(L.rows(), M, [&](std::size_t row) {
    const std::size_t c0 = (row % L.G) * Cg;
    const T* __restrict xr = x + row * M;
    T* __restrict yr = y + row * M;
    if (S == 1) {
      // Per-element affine (layer norm): x̂ in T via the exact-shift split, then γ, β per element.
      const auto step = AffineStep<T>::make(mean[row], rstd[row], 1.0, 0.0);
      if (!gamma) return step.apply(yr, xr, M);
      const T* __restrict gr = gamma + c0;
      if (!beta) {
        for (std::size_t j = 0; j < M; ++j)
          yr[j] = ((xr[j] - step.shift) * step.scale + step.offset) * gr[j];
        return;
      }
      const T* __restrict br = beta + c0;
      for (std::size_t j = 0; j < M; ++j) yr[j] = ((xr[j] - step.shift) * step.scale + step.offset) * gr[j] + br[j];
      return;
    }
    for (std::size_t k = 0; k < Cg; ++k) {
      const std::size_t c = c0 + k;
      const auto step = AffineStep<T>::make(mean[row], rstd[row], gamma ? double(gamma[c]) : 1.0,
                                            beta ? double(beta[c]) : 0.0);
      step.apply(yr + k * S, xr + k * S, S);
    }
  });
}

// Backward of group_normalize with batch statistics.
//   dx: (N, C, S) assigned.   dgamma, dbeta: (C) accumulated, or null.
//   scratch: at least 2·N·C doubles (per-(n, c) sums reused for dγ, dβ).
// With dŷ = γ·dy and M elements per row, the three terms of dx are
//   dx = rstd·dŷ  -  rstd·mean(dŷ)  -  rstd·x̂·mean(dŷ·x̂)
// and the parameter gradients dγ = Σ dy·x̂, dβ = Σ dy over n and s.
template <class T>
void group_backward(T* dx, T* dgamma, T* dbeta, const T* dy, const T* x, const T* gamma, const double* mean,
                    const double* rstd, const GroupLayout& L, double* scratch) {
  const std::size_t M = L.row_length(), Cg = L.channels_per_group(), S = L.S, C = L.C;
  double* sum_dy = scratch;              // (N, C): Σ_s dy
  double* sum_dy_centered = scratch + L.N * C;  // (N, C): Σ_s dy·(x - mean)
  // The row pass: the row sums, then dx for the row while it is in cache.
  auto row_pass = [&](std::size_t row) {
    const std::size_t n = row / L.G, c0 = (row % L.G) * Cg;
    const T* __restrict xr = x + row * M;
    const T* __restrict dyr = dy + row * M;
    T* __restrict dxr = dx + row * M;
    const double m = mean[row], r = rstd[row];
    // Row sums of dŷ and dŷ·(x - mean).
    double row_dyhat = 0, row_dyhat_centered = 0;
    if (S == 1 && gamma) {
      sum_scaled_and_scaled_centered(dyr, gamma + c0, xr, M, m, row_dyhat, row_dyhat_centered);
    } else if (S == 1) {
      sum_dy_and_dy_centered(dyr, xr, M, m, row_dyhat, row_dyhat_centered);
    } else {
      for (std::size_t k = 0; k < Cg; ++k) {
        const std::size_t c = c0 + k;
        double sdy, sdyc;
        sum_dy_and_dy_centered(dyr + k * S, xr + k * S, S, m, sdy, sdyc);
        sum_dy[n * C + c] = sdy;
        sum_dy_centered[n * C + c] = sdyc;
        const double g = gamma ? double(gamma[c]) : 1.0;
        row_dyhat += g * sdy;
        row_dyhat_centered += g * sdyc;
      }
    }
    // dx = a·dy + b·(x - mean) + c, with a = rstd·γ (per channel), and per row
    //   b = -rstd³·Σ(dŷ·(x - mean))/M  (the x̂·mean(dŷ·x̂) term),  c = -rstd·Σdŷ/M  (the mean(dŷ) term).
    const double b = -r * r * r * row_dyhat_centered / double(M);
    const double c_term = -r * row_dyhat / double(M);
    const T shift = T(m);
    const T b_t = T(b), c_t = T(c_term - b * (m - double(shift)));
    if (S == 1 && gamma) {
      const T r_t = T(r);
      const T* __restrict gr = gamma + c0;
      for (std::size_t j = 0; j < M; ++j) dxr[j] = (r_t * gr[j]) * dyr[j] + b_t * (xr[j] - shift) + c_t;
    } else if (S == 1) {
      const T r_t = T(r);
      for (std::size_t j = 0; j < M; ++j) dxr[j] = r_t * dyr[j] + b_t * (xr[j] - shift) + c_t;
    } else {
      for (std::size_t k = 0; k < Cg; ++k) {
        const T a = T(r * (gamma ? double(gamma[c0 + k]) : 1.0));
        const T* __restrict xk = xr + k * S;
        const T* __restrict dyk = dyr + k * S;
        T* __restrict dxk = dxr + k * S;
        for (std::size_t s = 0; s < S; ++s) dxk[s] = a * dyk[s] + b_t * (xk[s] - shift) + c_t;
      }
    }
  };
  // dγ[j] += Σ dy·x̂ and dβ[j] += Σ dy over samples [n0, n1), in order of n; column blocks in parallel.
  auto column_pass = [&](std::size_t n0, std::size_t n1, double* acc_gamma, double* acc_beta, std::size_t blocks,
                         std::size_t block) {
    parallel_for(blocks, (n1 - n0) * block, [&](std::size_t bi) {
      const std::size_t j0 = bi * block, j1 = std::min(C, j0 + block);
      double* __restrict ag = acc_gamma;
      double* __restrict ab = acc_beta;
      for (std::size_t n = n0; n < n1; ++n) {
        const T* __restrict xr = x + n * C;
        const T* __restrict dyr = dy + n * C;
        // The block split into runs of one group each, so the row statistics are loop constants.
        for (std::size_t j = j0; j < j1;) {
          const std::size_t g = j / Cg, run_end = std::min(j1, (g + 1) * Cg);
          const double m = mean[n * L.G + g], r = rstd[n * L.G + g];
          for (; j < run_end; ++j) {
            ag[j] += double(dyr[j]) * (double(xr[j]) - m) * r;  // dγ = Σ dy·x̂
            ab[j] += double(dyr[j]);                            // dβ = Σ dy
          }
        }
      }
    });
  };
  if (S != 1 || (!dgamma && !dbeta)) parallel_for(L.rows(), 2 * M, row_pass);
  if (!dgamma && !dbeta) return;
  if (S == 1) {
    // Per-element parameters (layer norm): dγ, dβ reduce over n column-wise, channel blocks in
    // parallel. Samples go in chunks of about 4 MiB of x and dy: the row pass over a chunk, then
    // the column pass over the same chunk while it is still in the last-level cache. The chunk
    // size depends on the shape only, and every column is still summed over n in order.
    double* acc_gamma = scratch;  // (C); the S == 1 row pass does not use scratch
    double* acc_beta = scratch + C;  // (C)
    std::fill(acc_gamma, acc_gamma + 2 * C, 0.0);
    const std::size_t chunk = std::max<std::size_t>(1, (std::size_t(4) << 20) / (2 * C * sizeof(T)));
    // Column blocks of up to 1024 (4 KiB of float per row): each row's segment is a run long
    // enough for the prefetchers (measured on (64, 65536): 256 → 1024 took the backward
    // 5.1–5.5 → 4.6–4.9 ms, 1 thread), and at least two blocks to share between threads.
    const std::size_t block = std::clamp<std::size_t>(C / 2, 256, 1024), blocks = (C + block - 1) / block;
    for (std::size_t n0 = 0; n0 < L.N; n0 += chunk) {
      const std::size_t n1 = std::min(L.N, n0 + chunk);
      parallel_for((n1 - n0) * L.G, 2 * M, [&](std::size_t i) { row_pass(n0 * L.G + i); });
      column_pass(n0, n1, acc_gamma, acc_beta, blocks, block);
    }
    parallel_for(blocks, block, [&](std::size_t bi) {
      for (std::size_t j = bi * block; j < std::min(C, (bi + 1) * block); ++j) {
        if (dgamma) dgamma[j] = T(double(dgamma[j]) + acc_gamma[j]);
        if (dbeta) dbeta[j] = T(double(dbeta[j]) + acc_beta[j]);
      }
    });
    return;
  }
  parallel_for(C, L.N, [&](std::size_t c) {
    const std::size_t g = c / Cg;
    double acc_gamma = 0, acc_beta = 0;
    for (std::size_t n = 0; n < L.N; ++n) {
      acc_gamma += sum_dy_centered[n * C + c] * rstd[n * L.G + g];  // dγ = Σ dy·x̂
      acc_beta += sum_dy[n * C + c];                                // dβ = Σ dy
    }
    if (dgamma) dgamma[c] = T(double(dgamma[c]) + acc_gamma);
    if (dbeta) dbeta[c] = T(double(dbeta[c]) + acc_beta);
  });
}

}  // namespace normlab::kernels
