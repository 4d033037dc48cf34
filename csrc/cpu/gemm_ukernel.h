// Private to csrc/cpu: the contract between gemm.cpp (packing, blocking, threads) and the
// register-blocked micro-kernels, which live in per-ISA translation units (gemm_avx2.cpp).
//
// Keep this header free of inline functions and std templates: gemm_avx2.cpp is compiled
// with -mavx2 -mfma, and an inline function emitted there could be the copy the linker
// keeps for the portable translation units too.
#pragma once

#include <cstdint>

namespace deepgrad {
namespace detail {

// Micro-kernel. Shapes:
//   a: packed micro-panel of op(A), kc x mr, a[p*mr + i]  (rows past m are zero padding)
//   b: packed micro-panel of op(B), kc x nr, b[p*nr + j]  (columns past n are zero padding)
//   c: the m x n corner (m <= mr, n <= nr) of C, row stride ldc
// Computes acc = sum_p a[p*mr+i] * b[p*nr+j] and writes c = alpha*acc + beta*c, not reading
// c when beta == 0. a and b are 32-byte aligned.
template <typename T>
using GemmMicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha,
                                 T beta, int64_t m, int64_t n);

// The same product with A read in place: A(i, p) = a[i*rs_a + p*cs_a] for i < m (the caller's
// matrix, any strides; no rows past m are read). Row p of the B panel is b[p*rs_b + j], all nr
// columns readable: rs_b = nr for a packed panel, or B itself when it is stored K x N and the
// panel is whole. b need not be aligned.
template <typename T>
using GemmMicroKernelUA = void (*)(int64_t kc, const T* a, int64_t rs_a, int64_t cs_a,
                                   const T* b, int64_t rs_b, T* c, int64_t ldc, T alpha, T beta,
                                   int64_t m, int64_t n);

// Packs one nr-wide micro-panel of op(B) when B is stored transposed (N x K):
// dst[p*nr + j] = src[j*ldb + p] for p < kc, j < n, and 0 for n <= j < nr. dst is aligned.
template <typename T>
using GemmPackBT = void (*)(T* dst, const T* src, int64_t ldb, int64_t kc, int64_t n);

// Four dot products out[r] = x . y[r] (r < 4) of unit-stride length-n vectors, in one pass
// over x: the skinny (matrix-vector) path's inner loop.
template <typename T>
using GemmDot4 = void (*)(const T* x, const T* const* y, int64_t n, T* out);

// Up to twelve dot products out[v*nr + r] = (x + v*ldx) . y[r] (r < nr, v < nv) with nr = 4 and
// nv = 1..3, or nr = 3 and nv = 4: each y[r] loaded once for nv vectors, so fewer loads per
// multiply-add than nv dot4 calls.
template <typename T>
// prefetch: while reading each row y[r], also pull y[r] + prefetch (elements) into cache: the caller's next rows,
// which start on fresh pages the hardware prefetcher has not learned yet (0: none).
using GemmDotXV = void (*)(const T* x, int64_t ldx, int nv, const T* const* y, int nr, int64_t n, T* out,
                           int64_t prefetch);

// y[0:n] += v * x[0:n]: the skinny path's other inner loop.
template <typename T>
using GemmAxpy = void (*)(int64_t n, T v, const T* x, T* y);

// y[0:n] += v[0] * x[0][0:n] + ... + v[3] * x[3][0:n]: four axpys with one pass over y.
template <typename T>
using GemmAxpy4 = void (*)(int64_t n, const T* v, const T* const* x, T* y);

// c[i*ldc + j] += bias[j] (or bias[i] when per_row; bias may be null), then max(c, 0) if relu, for i < m, j < n:
// gemm_bias_act's epilogue, run on each micro-tile of C while it is in L1. NaN stays NaN (as torch.relu).
template <typename T>
using GemmEpilogue = void (*)(T* c, int64_t ldc, int64_t m, int64_t n, const T* bias, bool per_row, bool relu);

// A micro-kernel with its tile and the cache blocking that suits it (after BLIS):
// kc*nr of B and kc*mr of A fit in L1, mc*kc of A in L2, kc*nc of B in L3.
// mc is a multiple of mr and nc a multiple of nr.
template <typename T>
struct GemmKernel {
  int mr, nr;
  int mc, kc, nc;
  GemmMicroKernel<T> run;
  GemmMicroKernelUA<T> run_ua;
  GemmPackBT<T> pack_bt;
  GemmDot4<T> dot4;
  GemmDotXV<T> dot_xv;
  GemmAxpy<T> axpy;
  GemmAxpy4<T> axpy4;
  GemmEpilogue<T> epilogue;
};

// A kernel for products of at most `rows` rows against B pre-packed (gemm_pack_b) into nr-wide panels that
// each span the whole K (panel q: b[q*K*nr + p*nr + j]): run(K, A in place, rs_a, cs_a, panel, nr, c, ...)
// with m <= rows and n <= nr. Where the CPU has no such kernel, run is null and those products take the
// skinny path.
template <typename T>
struct GemmFewRows {
  int rows, nr;
  GemmMicroKernelUA<T> run;
};

#if DEEPGRAD_HAVE_AVX512_TU
GemmFewRows<float> gemm_few_rows_avx512_f32();
GemmFewRows<double> gemm_few_rows_avx512_f64();
#endif

#if DEEPGRAD_HAVE_AVX2_TU
GemmKernel<float> gemm_kernel_avx2_f32();
GemmKernel<double> gemm_kernel_avx2_f64();
#endif

}  // namespace detail
}  // namespace deepgrad
