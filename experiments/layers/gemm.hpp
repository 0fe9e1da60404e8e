// Row-major GEMM for float and double through OpenBLAS's CBLAS, so that layers templated on T
// call one name: C = alpha·op(A)·op(B) + beta·C, with op(X) = X or Xᵀ.
//   A: op(A) is (M, K); B: op(B) is (K, N); C: (M, N); lda/ldb/ldc are row strides.
#pragma once

#include <cstddef>

#include <cblas.h>

namespace normlab {

enum class Transpose { no, yes };

inline void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha,
                 const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
                 std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, ta == Transpose::yes ? CblasTrans : CblasNoTrans,
              tb == Transpose::yes ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), alpha, A, int(lda), B,
              int(ldb), beta, C, int(ldc));
}

inline void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha,
                 const double* A, std::size_t lda, const double* B, std::size_t ldb, double beta, double* C,
                 std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, ta == Transpose::yes ? CblasTrans : CblasNoTrans,
              tb == Transpose::yes ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), alpha, A, int(lda), B,
              int(ldb), beta, C, int(ldc));
}

}  // namespace normlab
