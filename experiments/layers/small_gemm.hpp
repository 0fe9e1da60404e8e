// Row-major GEMMs of the small shapes a convolution lowers to, through libxsmm's JIT kernels:
//   C (M, N) = op(A) · B + beta·C,  op(A) = A (A stored (M, K)) or Aᵀ (A stored (K, M));  B: (K, N).
// beta is 0 (C is written without being read: no zero fill first) or 1 (C accumulates).
//
// OpenBLAS runs its Haswell (AVX2) kernels on this project's AVX-512 machines and packs both
// operands on every call; at a convolution's shapes (M = 16..64 channels, K = 27..576,
// N = 64..1024 positions per sample) libxsmm's kernels, generated for the machine's vector
// width and reading the operands in place, were 2-3x faster (results/benchmarks/conv_gemm.md).
// C is computed in fixed blocks of at most 64x64 elements, each by the kernel generated for its
// block's shape, so the bits depend on the shapes only, never on the thread count; each call runs
// on its calling thread alone (the convolution spreads samples over the team). A shape libxsmm has no
// kernel for (or a machine without its JIT) goes through OpenBLAS (blas_gemm, gemm.hpp) instead.
#pragma once

#include <cstddef>

#include "experiments/layers/gemm.hpp"

namespace normlab {

template <class T>
void small_gemm(Transpose ta, std::size_t M, std::size_t N, std::size_t K, const T* A, std::size_t lda, const T* B,
                std::size_t ldb, bool accumulate, T* C, std::size_t ldc);

// dst (cols, rows) = srcᵀ for src (rows, cols), both row-major and contiguous.
template <class T>
void transpose(T* dst, const T* src, std::size_t rows, std::size_t cols);

}  // namespace normlab
