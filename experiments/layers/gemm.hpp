// Row-major GEMM for float and double, C = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ:
//   op(A): (M, K); op(B): (K, N); C: (M, N); lda/ldb/ldc are row strides.
//
// Results are byte-identical whatever the number of threads. OpenBLAS's own threading is not:
// its result for an element depends on how the matrix is split (even single-threaded, an
// element's value depends on the extents of the call), so the wrapper keeps OpenBLAS on one
// thread and splits C itself into column blocks fixed by the shapes alone, spread over the
// OpenMP team (norms/core/parallel.hpp). Small products run as one call.
//
// In float, products with alpha = 1 and beta = 0 or 1 run on libxsmm's JIT kernels instead
// (small_gemm.hpp), in blocks of 64 rows of C fixed by the shapes: OpenBLAS 0.3.21 runs its AVX2
// Haswell kernel on this project's AVX-512 machines and packs both operands per call, and its
// sgemm was 72 % of a Transformer training step (results/benchmarks/README.md). op(B) = Bᵀ is
// first transposed into a per-thread buffer that keeps its capacity, so a steady step allocates
// nothing. Double, the reference precision of the gradient checks, stays on OpenBLAS.
#pragma once

#include <cstddef>

namespace normlab {

enum class Transpose { no, yes };

void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A,
          std::size_t lda, const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc);
void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
          std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc);

// The same products through OpenBLAS alone, whatever the dtype (small_gemm's fallback).
void blas_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha,
               const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
               std::size_t ldc);
void blas_gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha,
               const double* A, std::size_t lda, const double* B, std::size_t ldb, double beta, double* C,
               std::size_t ldc);

}  // namespace normlab
