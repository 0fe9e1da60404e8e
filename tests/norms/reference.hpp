// Plain reference implementations, written from the definitions with straightforward loops in
// double, to test the optimized kernels against (reference_test.cpp). No lanes, no blocks, no
// threads, no exact-shift tricks: each quantity is computed the way the paper states it.
//
// Layout: x, dy, y, dx: (N, C, S) row-major, flattened; element (n, c, s) at (n·C + c)·S + s.
// gamma, beta: (C) per channel, or empty for no affine step (layer norm: (C·S) per element).
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace normlab::reference {

using Vec = std::vector<double>;

struct Dims {
  std::size_t N, C, S;
  std::size_t at(std::size_t n, std::size_t c, std::size_t s) const { return (n * C + c) * S + s; }
  std::size_t size() const { return N * C * S; }
};

struct Gradients {
  Vec y, dx, dgamma, dbeta;  // dgamma, dbeta empty without an affine step
};

// One normalization of a set of elements `idx` with given statistics, and its backward.
// With x̂ = (x - mean)·rstd and y = γ·x̂ + β:
//   dγ += Σ dy·x̂,  dβ += Σ dy,  and with dx̂ = γ·dy, for batch statistics
//   dx = rstd·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)),  for constant statistics dx = rstd·dx̂.
// gamma_of(i) gives the index into gamma/beta for element i.
template <class GammaIndex>
void normalize_set(const std::vector<std::size_t>& idx, double mean, double rstd, bool batch_stats,
                   const Vec& x, const Vec& dy, const Vec& gamma, const Vec& beta, GammaIndex gamma_of,
                   Gradients& out) {
  const double M = double(idx.size());
  double mean_dxhat = 0, mean_dxhat_xhat = 0;
  for (std::size_t i : idx) {
    const double xhat = (x[i] - mean) * rstd;
    const double g = gamma.empty() ? 1.0 : gamma[gamma_of(i)];
    out.y[i] = gamma.empty() ? xhat : g * xhat + beta[gamma_of(i)];
    mean_dxhat += g * dy[i] / M;
    mean_dxhat_xhat += g * dy[i] * xhat / M;
    if (!gamma.empty()) {
      out.dgamma[gamma_of(i)] += dy[i] * xhat;
      out.dbeta[gamma_of(i)] += dy[i];
    }
  }
  for (std::size_t i : idx) {
    const double xhat = (x[i] - mean) * rstd;
    const double dxhat = (gamma.empty() ? 1.0 : gamma[gamma_of(i)]) * dy[i];
    out.dx[i] = batch_stats ? rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat) : rstd * dxhat;
  }
}

inline double mean_of(const std::vector<std::size_t>& idx, const Vec& x) {
  double s = 0;
  for (std::size_t i : idx)
    s += x[i];
  return s / double(idx.size());
}

// Biased variance, as normalization uses.
inline double variance_of(const std::vector<std::size_t>& idx, const Vec& x) {
  const double m = mean_of(idx, x);
  double s = 0;
  for (std::size_t i : idx)
    s += (x[i] - m) * (x[i] - m);
  return s / double(idx.size());
}

inline Gradients empty_gradients(const Dims& d, std::size_t affine_size, bool affine) {
  Gradients g;
  g.y.assign(d.size(), 0);
  g.dx.assign(d.size(), 0);
  if (affine) g.dgamma.assign(affine_size, 0), g.dbeta.assign(affine_size, 0);
  return g;
}

// Batch normalization: per channel over (n, s). With running statistics given (evaluation),
// they are the constants; otherwise the batch's biased variance is used.
inline Gradients batch_norm(const Dims& d, const Vec& x, const Vec& dy, const Vec& gamma, const Vec& beta,
                            double eps, const std::optional<std::pair<Vec, Vec>>& running = std::nullopt) {
  Gradients out = empty_gradients(d, d.C, !gamma.empty());
  for (std::size_t c = 0; c < d.C; ++c) {
    std::vector<std::size_t> idx;
    for (std::size_t n = 0; n < d.N; ++n)
      for (std::size_t s = 0; s < d.S; ++s)
        idx.push_back(d.at(n, c, s));
    const double mean = running ? running->first[c] : mean_of(idx, x);
    const double var = running ? running->second[c] : variance_of(idx, x);
    normalize_set(
        idx, mean, 1.0 / std::sqrt(var + eps), !running, x, dy, gamma, beta, [&](std::size_t) { return c; },
        out);
  }
  return out;
}

// Group normalization: per sample over groups of C/G consecutive channels and s; per-channel
// affine. G = C is instance normalization.
inline Gradients group_norm(const Dims& d, std::size_t G, const Vec& x, const Vec& dy, const Vec& gamma,
                            const Vec& beta, double eps) {
  Gradients out = empty_gradients(d, d.C, !gamma.empty());
  const std::size_t per_group = d.C / G;
  for (std::size_t n = 0; n < d.N; ++n)
    for (std::size_t g = 0; g < G; ++g) {
      std::vector<std::size_t> idx;
      for (std::size_t c = g * per_group; c < (g + 1) * per_group; ++c)
        for (std::size_t s = 0; s < d.S; ++s)
          idx.push_back(d.at(n, c, s));
      const double rstd = 1.0 / std::sqrt(variance_of(idx, x) + eps);
      normalize_set(
          idx, mean_of(idx, x), rstd, true, x, dy, gamma, beta,
          [&](std::size_t i) { return (i / d.S) % d.C; }, out);
    }
  return out;
}

// Layer normalization: per sample over all C·S elements; per-element affine (C·S).
inline Gradients layer_norm(const Dims& d, const Vec& x, const Vec& dy, const Vec& gamma, const Vec& beta,
                            double eps) {
  Gradients out = empty_gradients(d, d.C * d.S, !gamma.empty());
  const std::size_t L = d.C * d.S;
  for (std::size_t n = 0; n < d.N; ++n) {
    std::vector<std::size_t> idx;
    for (std::size_t j = 0; j < L; ++j)
      idx.push_back(n * L + j);
    const double rstd = 1.0 / std::sqrt(variance_of(idx, x) + eps);
    normalize_set(
        idx, mean_of(idx, x), rstd, true, x, dy, gamma, beta, [&](std::size_t i) { return i % L; }, out);
  }
  return out;
}

// Running statistics after one training batch: running = (1 - m)·running + m·batch with the
// unbiased batch variance; momentum none is the cumulative average with factor 1/batches.
inline void update_running(Vec& running_mean, Vec& running_var, const Vec& batch_mean,
                           const Vec& batch_unbiased_var, std::optional<double> momentum,
                           double batches_after) {
  const double m = momentum ? *momentum : 1.0 / batches_after;
  for (std::size_t c = 0; c < running_mean.size(); ++c) {
    running_mean[c] = (1 - m) * running_mean[c] + m * batch_mean[c];
    running_var[c] = (1 - m) * running_var[c] + m * batch_unbiased_var[c];
  }
}

// Per-channel batch mean and unbiased variance over (n, s), for batch norm's running update.
inline std::pair<Vec, Vec> batch_moments(const Dims& d, const Vec& x) {
  Vec mean(d.C), unbiased(d.C);
  for (std::size_t c = 0; c < d.C; ++c) {
    std::vector<std::size_t> idx;
    for (std::size_t n = 0; n < d.N; ++n)
      for (std::size_t s = 0; s < d.S; ++s)
        idx.push_back(d.at(n, c, s));
    mean[c] = mean_of(idx, x);
    unbiased[c] = variance_of(idx, x) * double(idx.size()) / double(idx.size() - 1);
  }
  return {mean, unbiased};
}

// Instance norm's contribution to its running statistics: the mean over n of the per-(n, c)
// means and unbiased variances.
inline std::pair<Vec, Vec> instance_moments(const Dims& d, const Vec& x) {
  Vec mean(d.C, 0), unbiased(d.C, 0);
  for (std::size_t n = 0; n < d.N; ++n)
    for (std::size_t c = 0; c < d.C; ++c) {
      std::vector<std::size_t> idx;
      for (std::size_t s = 0; s < d.S; ++s)
        idx.push_back(d.at(n, c, s));
      mean[c] += mean_of(idx, x) / double(d.N);
      unbiased[c] += variance_of(idx, x) * double(d.S) / double(d.S - 1) / double(d.N);
    }
  return {mean, unbiased};
}

// Weight normalization of v: (rows, len): w = g·v/‖v‖ per row.
//   dg = Σ dw·v/‖v‖,  dv = (g/‖v‖)·(dw - v̂·(v̂·dw)).
struct WeightNormResult {
  Vec w, dv, dg;
};
inline WeightNormResult weight_norm(std::size_t rows, std::size_t len, const Vec& v, const Vec& dw,
                                    const Vec& g) {
  WeightNormResult out{Vec(v.size()), Vec(v.size()), Vec(rows)};
  for (std::size_t o = 0; o < rows; ++o) {
    double norm2 = 0;
    for (std::size_t i = 0; i < len; ++i)
      norm2 += v[o * len + i] * v[o * len + i];
    const double norm = std::sqrt(norm2);
    double vhat_dot_dw = 0;
    for (std::size_t i = 0; i < len; ++i)
      vhat_dot_dw += v[o * len + i] / norm * dw[o * len + i];
    out.dg[o] = vhat_dot_dw;
    for (std::size_t i = 0; i < len; ++i) {
      const double vhat = v[o * len + i] / norm;
      out.w[o * len + i] = g[o] * vhat;
      out.dv[o * len + i] = g[o] / norm * (dw[o * len + i] - vhat * vhat_dot_dw);
    }
  }
  return out;
}

}  // namespace normlab::reference
