#include "experiments/layers/small_gemm.hpp"

#include <algorithm>
#include <type_traits>

#include <libxsmm.h>

namespace normlab {

namespace {

// The block of C one kernel call computes: 64 columns (four AVX-512 registers of floats) by 64 rows.
constexpr std::size_t kBlock = 64;

// libxsmm is column-major: row-major C (M, N) = op(A) · B is column-major Cᵀ (N, M) = Bᵀ · op(A)ᵀ,
// where the memory of row-major B is column-major Bᵀ as it stands, and that of A is op(A)ᵀ as it
// stands when op(A) = A, or its transpose when op(A) = Aᵀ (libxsmm's TRANS_B on its second operand).
template <class T>
auto dispatch(std::size_t m, std::size_t n, std::size_t k, std::size_t lda, std::size_t ldb, std::size_t ldc,
              bool trans_b, bool accumulate) {
  const libxsmm_blasint mm = libxsmm_blasint(m), nn = libxsmm_blasint(n), kk = libxsmm_blasint(k);
  const libxsmm_blasint la = libxsmm_blasint(lda), lb = libxsmm_blasint(ldb), lc = libxsmm_blasint(ldc);
  const int flags = (trans_b ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | (accumulate ? 0 : LIBXSMM_GEMM_FLAG_BETA_0);
  const T alpha = 1, beta = accumulate ? 1 : 0;
  if constexpr (std::is_same_v<T, float>)
    return libxsmm_smmdispatch(mm, nn, kk, &la, &lb, &lc, &alpha, &beta, &flags, nullptr);
  else
    return libxsmm_dmmdispatch(mm, nn, kk, &la, &lb, &lc, &alpha, &beta, &flags, nullptr);
}

}  // namespace

template <class T>
void small_gemm(Transpose ta, std::size_t M, std::size_t N, std::size_t K, const T* A, std::size_t lda, const T* B,
                std::size_t ldb, bool accumulate, T* C, std::size_t ldc) {
  const bool trans = ta == Transpose::yes;
  for (std::size_t i0 = 0; i0 < M; i0 += kBlock) {
    const std::size_t rows = std::min(kBlock, M - i0);
    // rows i0... of op(A): rows of A, or columns of the stored Aᵀ
    const T* Ai = trans ? A + i0 : A + i0 * lda;
    for (std::size_t j0 = 0; j0 < N; j0 += kBlock) {
      const std::size_t cols = std::min(kBlock, N - j0);
      T* Cij = C + i0 * ldc + j0;
      const auto kernel = dispatch<T>(cols, rows, K, ldb, lda, ldc, trans, accumulate);
      if (kernel)
        kernel(B + j0, Ai, Cij);
      else
        blas_gemm(ta, Transpose::no, rows, cols, K, T(1), Ai, lda, B + j0, ldb, accumulate ? T(1) : T(0), Cij,
                  ldc);
    }
  }
}

template <class T>
void transpose(T* dst, const T* src, std::size_t rows, std::size_t cols) {
  // libxsmm is column-major: src is a (cols x rows) matrix to it, dst its (rows x cols) transpose.
  libxsmm_otrans(dst, src, sizeof(T), libxsmm_blasint(cols), libxsmm_blasint(rows), libxsmm_blasint(cols),
                 libxsmm_blasint(rows));
}

template void small_gemm<float>(Transpose, std::size_t, std::size_t, std::size_t, const float*, std::size_t,
                                const float*, std::size_t, bool, float*, std::size_t);
template void small_gemm<double>(Transpose, std::size_t, std::size_t, std::size_t, const double*, std::size_t,
                                 const double*, std::size_t, bool, double*, std::size_t);
template void transpose<float>(float*, const float*, std::size_t, std::size_t);
template void transpose<double>(double*, const double*, std::size_t, std::size_t);

}  // namespace normlab
