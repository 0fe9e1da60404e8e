#include "experiments/layers/gemm.hpp"

#include <algorithm>
#include <vector>

#include <cblas.h>

#include "experiments/layers/small_gemm.hpp"
#include "norms/core/parallel.hpp"

namespace normlab {

namespace {

// Columns of C per block, and the smallest product (in multiply-adds) worth splitting: fixed
// numbers, so that the split depends on the shapes only, never on the thread count.
constexpr std::size_t kColumnBlock = 256;
constexpr std::size_t kSplitWork = std::size_t(1) << 22;

// Checked on every call (a cheap read of a global), as anyone may set it again later.
void keep_openblas_single_threaded() {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

CBLAS_TRANSPOSE cblas(Transpose t) { return t == Transpose::yes ? CblasTrans : CblasNoTrans; }

void call(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A,
          std::size_t lda, const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, cblas(ta), cblas(tb), int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C,
              int(ldc));
}

void call(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
          std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, cblas(ta), cblas(tb), int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C,
              int(ldc));
}

// OpenBLAS applies beta = 0 by zeroing C one scalar store at a time before its kernel adds
// alpha·op(A)·op(B) onto C; a vectorized fill and beta = 1 give the same bits sooner.
template <class T>
void call_with_fast_zero_beta(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, T alpha,
                              const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  if (beta == T(0)) {
    if (ldc == N)
      std::fill(C, C + M * N, T(0));
    else
      for (std::size_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    beta = T(1);
  }
  call(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void blocked_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                  std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  keep_openblas_single_threaded();
  if (M * N * K < kSplitWork || N <= kColumnBlock) {
    call_with_fast_zero_beta(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Column block j of C uses columns [j0, j0 + width) of op(B): B + j0 (row-major B) or the
  // rows j0... of B when op(B) = Bᵀ.
  const std::size_t blocks = (N + kColumnBlock - 1) / kColumnBlock;
  parallel_for(blocks, M * kColumnBlock * K, [&](std::size_t j) {
    const std::size_t j0 = j * kColumnBlock, width = std::min(kColumnBlock, N - j0);
    const T* Bj = tb == Transpose::yes ? B + j0 * ldb : B + j0;
    call_with_fast_zero_beta(ta, tb, M, width, K, alpha, A, lda, Bj, ldb, beta, C + j0, ldc);
  });
}

// Rows of C per libxsmm block: small_gemm's own block height, so a block's bits are those of the
// whole product computed by one call.
constexpr std::size_t kRowBlock = 64;

// C (M, N) = op(A) · op(B) [+ C] through small_gemm, in blocks of kRowBlock rows over the team.
// false when the product is not one it takes (op(B) = Bᵀ with rows padded): the caller uses OpenBLAS.
bool xsmm_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, const float* A,
               std::size_t lda, const float* B, std::size_t ldb, bool accumulate, float* C, std::size_t ldc) {
  if (tb == Transpose::yes) {
    if (ldb != K) return false;
    // op(B) (K, N) = Bᵀ for B stored (N, K): small_gemm reads B untransposed.
    static thread_local std::vector<float> transposed_b;  // (K, N); grows to the largest op(B)
    if (transposed_b.size() < K * N) transposed_b.resize(K * N);
    transpose(transposed_b.data(), B, N, K);
    B = transposed_b.data();
    ldb = N;
  }
  const std::size_t blocks = (M + kRowBlock - 1) / kRowBlock;
  parallel_for(blocks, kRowBlock * N * K, [&](std::size_t b) {
    const std::size_t i0 = b * kRowBlock, rows = std::min(kRowBlock, M - i0);
    const float* Ai = ta == Transpose::yes ? A + i0 : A + i0 * lda;  // rows i0... of op(A)
    small_gemm(ta, rows, N, K, Ai, lda, B, ldb, accumulate, C + i0 * ldc, ldc);
  });
  return true;
}

}  // namespace

void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A,
          std::size_t lda, const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc) {
  if (M == 0 || N == 0) return;
  if (K > 0 && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) &&
      xsmm_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta == 1.0f, C, ldc))
    return;
  blocked_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
          std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc) {
  blocked_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void blas_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha,
               const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
               std::size_t ldc) {
  blocked_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void blas_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha,
               const double* A, std::size_t lda, const double* B, std::size_t ldb, double beta, double* C,
               std::size_t ldc) {
  blocked_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace normlab
