// Row-major GEMM for float and double, C = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ:
//   op(A): (M, K); op(B): (K, N); C: (M, N); lda/ldb/ldc are row strides.
//
// Results are byte-identical whatever the number of threads. OpenBLAS's own threading is not:
// its result for an element depends on how the matrix is split (even single-threaded, an
// element's value depends on the extents of the call), so the wrapper keeps OpenBLAS on one
// thread and splits C itself into column blocks fixed by the shapes alone, spread over the
// OpenMP team (norms/core/parallel.hpp). Small products run as one call.
#pragma once

#include <cstddef>

namespace normlab {

enum class Transpose { no, yes };

void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A,
          std::size_t lda, const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc);
void gemm(Transpose ta, Transpose tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
          std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc);

}  // namespace normlab
