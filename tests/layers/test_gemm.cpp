// gemm() (experiments/layers/gemm.hpp): every transpose combination, beta 0 and 1, alpha ≠ 1 (the
// OpenBLAS route), padded leading dimensions and shapes that are no multiple of the 64-row
// blocks, against a double reference; and the float route's bits whatever the thread count.
#include <omp.h>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "experiments/layers/gemm.hpp"
#include "experiments/util/rng.hpp"
#include "norms/core/parallel.hpp"

using namespace normlab;

namespace {

struct Product {
  Transpose ta, tb;
  std::size_t M, N, K;
  float alpha, beta;
};

// Row-major op(X) element (i, j) of X stored with leading dimension ld.
double element(const std::vector<float>& X, std::size_t ld, Transpose t, std::size_t i, std::size_t j) {
  return t == Transpose::yes ? X[j * ld + i] : X[i * ld + j];
}

struct Operands {
  std::size_t lda, ldb, ldc;
  std::vector<float> A, B, C;
};

Operands operands(const Product& p, Rng& rng) {
  // Stored extents (rows, cols) of A and B, each row padded by 3 elements.
  const std::size_t a_rows = p.ta == Transpose::yes ? p.K : p.M, a_cols = p.ta == Transpose::yes ? p.M : p.K;
  const std::size_t b_rows = p.tb == Transpose::yes ? p.N : p.K, b_cols = p.tb == Transpose::yes ? p.K : p.N;
  Operands o{a_cols + 3, b_cols + 3, p.N + 3, {}, {}, {}};
  o.A.resize(a_rows * o.lda);
  o.B.resize(b_rows * o.ldb);
  o.C.resize(p.M * o.ldc);
  for (auto* v : {&o.A, &o.B, &o.C})
    for (float& e : *v)
      e = float(rng.normal());
  return o;
}

}  // namespace

TEST_CASE("float gemm matches a double reference for every transpose, beta and alpha") {
  Rng rng(7);
  for (Transpose ta : {Transpose::no, Transpose::yes})
    for (Transpose tb : {Transpose::no, Transpose::yes})
      for (float beta : {0.0f, 1.0f, 0.5f})
        for (float alpha : {1.0f, 0.25f})
          for (auto [M, N, K] :
               {std::array<std::size_t, 3>{130, 70, 33}, {1, 5, 768}, {64, 64, 64}, {7, 129, 1}}) {
            const Product p{ta, tb, M, N, K, alpha, beta};
            INFO("ta=" << int(ta) << " tb=" << int(tb) << " M=" << M << " N=" << N << " K=" << K
                       << " alpha=" << alpha << " beta=" << beta);
            Operands o = operands(p, rng);
            const std::vector<float> C0 = o.C;
            gemm(ta, tb, M, N, K, alpha, o.A.data(), o.lda, o.B.data(), o.ldb, beta, o.C.data(), o.ldc);
            double worst = 0;
            for (std::size_t i = 0; i < M; ++i) {
              for (std::size_t j = 0; j < N; ++j) {
                double sum = 0, magnitude = 0;
                for (std::size_t k = 0; k < K; ++k) {
                  const double term = element(o.A, o.lda, ta, i, k) * element(o.B, o.ldb, tb, k, j);
                  sum += term;
                  magnitude += std::abs(term);
                }
                const double expected = alpha * sum + beta * C0[i * o.ldc + j];
                const double scale = alpha * magnitude + std::abs(beta * C0[i * o.ldc + j]);
                worst = std::max(worst, std::abs(o.C[i * o.ldc + j] - expected) / scale);
              }
              // The padding after each row of C is never written.
              for (std::size_t j = N; j < o.ldc; ++j)
                REQUIRE(o.C[i * o.ldc + j] == C0[i * o.ldc + j]);
            }
            // float accumulation over K terms: a few ulp per term of the magnitude sum, at most
            CHECK(worst <= 1e-6 * std::sqrt(double(K)) + 1e-6);
          }
}

TEST_CASE("float gemm gives the same bits on 1 and 2 threads") {
  AlwaysStartTeams teams;  // the threaded split runs whatever the machine's load
  const int saved = omp_get_max_threads();
  Rng rng(8);
  for (Transpose ta : {Transpose::no, Transpose::yes})
    for (Transpose tb : {Transpose::no, Transpose::yes}) {
      const Product p{ta, tb, 300, 200, 150, 1.0f, 0.0f};
      Operands o = operands(p, rng);
      std::vector<float> one = o.C, two = o.C;
      omp_set_num_threads(1);
      gemm(ta, tb, p.M, p.N, p.K, 1.0f, o.A.data(), o.lda, o.B.data(), o.ldb, 0.0f, one.data(), o.ldc);
      omp_set_num_threads(2);
      gemm(ta, tb, p.M, p.N, p.K, 1.0f, o.A.data(), o.lda, o.B.data(), o.ldb, 0.0f, two.data(), o.ldc);
      CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
    }
  omp_set_num_threads(saved);
}
