// gemm: C = alpha * op(A) @ op(B) + beta * C, float and double (shapes in gemm.h).
//
// Structure after GotoBLAS/BLIS:
//   for jc over N in steps of nc:            B block (kc x nc) packed once, shared by threads
//     for pc over K in steps of kc:
//       pack B block into nr-wide micro-panels   (threads split the panels)
//       for ic over M in steps of mc:        threads own ranges of the B panels (or of M)
//         pack A block into mr-tall micro-panels (per thread)
//         for jr over the block's panels:    B micro-panel stays in L1
//           for ir over A's micro-panels:    micro-kernel, mr x nr tile of C in registers
// The first pc step applies the caller's beta, later ones accumulate (beta = 1).
// Small operands skip packing: A (and a small K x N B) are read in place by the micro-kernel
// (use_direct_a); a narrow N is computed as C^T (transpose_pays); products with M or N tiny
// skip all of this (gemm_skinny). Pack buffers are per-thread and reused between calls.
#include "deepgrad/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "deepgrad/dispatch.h"
#include "deepgrad/parallel.h"
#include "gemm_ukernel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace deepgrad {
namespace {

using detail::GemmKernel;

// Products with M or N at most this take the skinny (matrix-vector like) path instead of
// packing: 3 where it accumulates rows of the big operand (axpy form), 8 where it takes dot
// products with them (crossovers measured against the blocked path; Zen 4, float32).
constexpr int64_t kSkinnyAxpy = 3;
constexpr int64_t kSkinnyDot = 8;
// A thread should get at least this many multiply-adds, or starting it is not worth it.
constexpr double kMinMacsPerThread = 1 << 20;  // ~20 us of work: below it, thread start-up and a busy core cost more than they save

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// ---- portable micro-kernel ---------------------------------------------------------------
// Plain loops the compiler vectorises for the baseline ISA (SSE2 on x86-64, NEON on arm64).

// c = alpha*acc + beta*c over the m x n corner of an MR x NR accumulator tile.
template <typename T, int MR, int NR>
void store_tile(const T (&acc)[MR][NR], T* __restrict c, int64_t ldc, T alpha, T beta, int64_t m,
                int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * acc[i][j];
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

template <typename T, int MR, int NR>
void ukernel_portable(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                      int64_t ldc, T alpha, T beta, int64_t m, int64_t n) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* ap = a + p * MR;
    const T* bp = b + p * NR;
    for (int i = 0; i < MR; ++i) {
      const T ai = ap[i];
#pragma omp simd
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * bp[j];
    }
  }
  store_tile<T, MR, NR>(acc, c, ldc, alpha, beta, m, n);
}

// A read in place (see GemmMicroKernelUA).
template <typename T, int MR, int NR>
void ukernel_portable_ua(int64_t kc, const T* __restrict a, int64_t rs_a, int64_t cs_a,
                         const T* __restrict b, int64_t rs_b, T* __restrict c, int64_t ldc,
                         T alpha, T beta, int64_t m, int64_t n) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* bp = b + p * rs_b;
    for (int64_t i = 0; i < m; ++i) {
      const T ai = a[i * rs_a + p * cs_a];
#pragma omp simd
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * bp[j];
    }
  }
  store_tile<T, MR, NR>(acc, c, ldc, alpha, beta, m, n);
}

// Four dot products x . y[r] (r < 4) in one pass over x (the skinny path's inner loop).
template <typename T>
void dot4_portable(const T* __restrict x, const T* const* y, int64_t n, T* out) {
  const T* __restrict y0 = y[0];
  const T* __restrict y1 = y[1];
  const T* __restrict y2 = y[2];
  const T* __restrict y3 = y[3];
  T a0 = T(0), a1 = T(0), a2 = T(0), a3 = T(0);
  for (int64_t p = 0; p < n; ++p) {
    const T v = x[p];
    a0 += v * y0[p];
    a1 += v * y1[p];
    a2 += v * y2[p];
    a3 += v * y3[p];
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}

template <typename T>
void dot_xv_portable(const T* x, int64_t ldx, int nv, const T* const* y, int nr, int64_t n, T* out,
                     int64_t /*prefetch*/) {
  for (int v = 0; v < nv; ++v) {
    if (nr == 4) {
      dot4_portable(x + v * ldx, y, n, out + 4 * v);
      continue;
    }
    for (int r = 0; r < nr; ++r) {
      T acc = T(0);
      for (int64_t p = 0; p < n; ++p) acc += x[v * ldx + p] * y[r][p];
      out[v * nr + r] = acc;
    }
  }
}

template <typename T, int NR>
void pack_bt_portable(T* __restrict dst, const T* __restrict src, int64_t ldb, int64_t kc,
                      int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const T* s = src + j * ldb;
    for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = s[p];
  }
  for (int64_t j = n; j < NR; ++j)
    for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = T(0);
}

template <typename T>
void axpy_portable(int64_t n, T v, const T* __restrict x, T* __restrict y) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += v * x[i];
}

template <typename T>
void axpy4_portable(int64_t n, const T* v, const T* const* x, T* __restrict y) {
  const T* __restrict x0 = x[0];
  const T* __restrict x1 = x[1];
  const T* __restrict x2 = x[2];
  const T* __restrict x3 = x[3];
  const T v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += v0 * x0[i] + v1 * x1[i] + v2 * x2[i] + v3 * x3[i];
}

template <typename T>
void epilogue_portable(T* c, int64_t ldc, int64_t m, int64_t n, const T* bias, bool per_row, bool relu) {
  for (int64_t i = 0; i < m; ++i) {
    T* __restrict row = c + i * ldc;
    if (bias != nullptr && per_row) {
      const T bi = bias[i];
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] += bi;
    } else if (bias != nullptr) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
    }
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] = row[j] < T(0) ? T(0) : row[j];
    }
  }
}

template <typename T>
GemmKernel<T> portable_kernel();
template <>
GemmKernel<float> portable_kernel<float>() {
  return {4, 8, 128, 256, 4096, &ukernel_portable<float, 4, 8>,
          &ukernel_portable_ua<float, 4, 8>, &pack_bt_portable<float, 8>, &dot4_portable<float>,
          &dot_xv_portable<float>, &axpy_portable<float>, &axpy4_portable<float>, &epilogue_portable<float>};
}
template <>
GemmKernel<double> portable_kernel<double>() {
  return {4, 4, 128, 256, 2048, &ukernel_portable<double, 4, 4>,
          &ukernel_portable_ua<double, 4, 4>, &pack_bt_portable<double, 4>,
          &dot4_portable<double>, &dot_xv_portable<double>, &axpy_portable<double>,
          &axpy4_portable<double>, &epilogue_portable<double>};
}

template <typename T>
GemmKernel<T> select_kernel();
template <>
GemmKernel<float> select_kernel<float>() {
#if DEEPGRAD_HAVE_AVX2_TU
  if (simd_level() >= SimdLevel::avx2) return detail::gemm_kernel_avx2_f32();
#endif
  return portable_kernel<float>();
}
template <>
GemmKernel<double> select_kernel<double>() {
#if DEEPGRAD_HAVE_AVX2_TU
  if (simd_level() >= SimdLevel::avx2) return detail::gemm_kernel_avx2_f64();
#endif
  return portable_kernel<double>();
}

template <typename T>
detail::GemmFewRows<T> select_few_rows();
template <>
detail::GemmFewRows<float> select_few_rows<float>() {
#if DEEPGRAD_HAVE_AVX512_TU
  if (simd_level() >= SimdLevel::avx512) return detail::gemm_few_rows_avx512_f32();
#endif
  return {0, 0, nullptr};
}
template <>
detail::GemmFewRows<double> select_few_rows<double>() {
#if DEEPGRAD_HAVE_AVX512_TU
  if (simd_level() >= SimdLevel::avx512) return detail::gemm_few_rows_avx512_f64();
#endif
  return {0, 0, nullptr};
}

// ---- packing -----------------------------------------------------------------------------

// op(A)[i0:i0+mc, p0:p0+kc] -> ceil(mc/mr) micro-panels, each kc x mr (p-major), zero padded. MR known when
// compiling: a runtime-length copy of 6 elements becomes a memmove call per row of the panel.
template <typename T, int MR>
void pack_a_mr(T* __restrict out, const T* __restrict A, int64_t lda, bool trans_a, int64_t i0, int64_t p0,
               int64_t mc, int64_t kc) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    const int64_t m = std::min<int64_t>(MR, mc - ir);
    if (trans_a) {  // A is K x M: a row of the micro-panel is contiguous in A
      const T* src = A + p0 * lda + (i0 + ir);
      if (m == MR) {
        for (int64_t p = 0; p < kc; ++p)
          for (int i = 0; i < MR; ++i) out[p * MR + i] = src[p * lda + i];
      } else {
        for (int64_t p = 0; p < kc; ++p)
          for (int i = 0; i < MR; ++i) out[p * MR + i] = i < m ? src[p * lda + i] : T(0);
      }
    } else {  // A is M x K: gather one element from each of m rows
      for (int64_t i = 0; i < m; ++i) {
        const T* s = A + (i0 + ir + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) out[p * MR + i] = s[p];
      }
      for (int64_t i = m; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) out[p * MR + i] = T(0);
    }
    out += kc * MR;
  }
}

template <typename T>
void pack_a(T* out, const T* A, int64_t lda, bool trans_a, int64_t i0, int64_t p0, int64_t mc, int64_t kc,
            int mr) {
  switch (mr) {
    case 4: return pack_a_mr<T, 4>(out, A, lda, trans_a, i0, p0, mc, kc);
    case 6: return pack_a_mr<T, 6>(out, A, lda, trans_a, i0, p0, mc, kc);
    case 8: return pack_a_mr<T, 8>(out, A, lda, trans_a, i0, p0, mc, kc);
    default: throw std::logic_error("pack_a: no packer for micro-panels of " + std::to_string(mr) + " rows");
  }
}

// Whole panels of B stored K x N, row by row across all of them: each row of B is read as one
// contiguous run (a panel at a time would touch a new page every 64 bytes, which the prefetcher
// does not follow), and NR known when compiling makes the copies plain vector moves.
template <typename T, int NR>
void pack_b_rows(T* __restrict dst, const T* __restrict src, int64_t ldb, int64_t kc,
                 int64_t panels) {
  // 16 rows at a time across all panels: the 16 source rows stay in cache while each panel receives 16
  // consecutive rows (one run of 1 KiB), instead of one 64-byte write to every panel per row
  constexpr int64_t kRows = 16;
  for (int64_t p0 = 0; p0 < kc; p0 += kRows) {
    const int64_t p1 = std::min(kc, p0 + kRows);
    for (int64_t q = 0; q < panels; ++q) {
      const T* s = src + q * NR;
      T* d = dst + q * kc * NR;
      for (int64_t p = p0; p < p1; ++p)
        for (int j = 0; j < NR; ++j) d[p * NR + j] = s[p * ldb + j];
    }
  }
}
template <typename T>
bool pack_b_whole_panels(int nr, T* dst, const T* src, int64_t ldb, int64_t kc, int64_t panels) {
  switch (nr) {
    case 4: pack_b_rows<T, 4>(dst, src, ldb, kc, panels); return true;
    case 8: pack_b_rows<T, 8>(dst, src, ldb, kc, panels); return true;
    case 16: pack_b_rows<T, 16>(dst, src, ldb, kc, panels); return true;
    default: return false;
  }
}

// op(B)[p0:p0+kc, j0 + panel*nr ...] for panels [first, last) -> kc x nr micro-panels, zero
// padded past column n_total of the block.
template <typename T>
void pack_b(const GemmKernel<T>& kr, T* __restrict out, const T* __restrict B, int64_t ldb,
            bool trans_b, int64_t p0, int64_t j0, int64_t kc, int64_t n_total, int64_t first,
            int64_t last) {
  const int nr = kr.nr;
  if (!trans_b) {  // the whole panels first, in one pass over B's rows; the ragged last one below
    const int64_t whole = std::min<int64_t>(last, n_total / nr) - first;
    if (whole > 0 && pack_b_whole_panels<T>(nr, out + first * kc * nr, B + p0 * ldb + j0 + first * nr, ldb, kc,
                                            whole))
      first += whole;
  }
  for (int64_t panel = first; panel < last; ++panel) {
    const int64_t jr = panel * nr;
    const int64_t n = std::min<int64_t>(nr, n_total - jr);
    T* dst = out + panel * kc * nr;
    if (trans_b) {  // B is N x K
      kr.pack_bt(dst, B + (j0 + jr) * ldb + p0, ldb, kc, n);
      continue;
    }
    // B is K x N: a row of the micro-panel is contiguous in B
    const T* src = B + p0 * ldb + (j0 + jr);
    for (int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * ldb;
      T* d = dst + p * nr;
      int64_t j = 0;
      for (; j < n; ++j) d[j] = s[j];
      for (; j < nr; ++j) d[j] = T(0);
    }
  }
}

// ---- helpers -----------------------------------------------------------------------------

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* ci = C + i * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < N; ++j) ci[j] = T(0);
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < N; ++j) ci[j] *= beta;
    }
  }
}

// Per-thread scratch for packed panels, kept between calls: small products would otherwise
// spend a good part of their time in the allocator. Grows to the largest request seen
// (a few MiB for the blocked path's B block); the previous contents are not kept.
// slot 0: packed panels; slot 1: gemm_one's transposed result.
template <typename T>
T* scratch(int64_t count, int slot = 0) {
  struct Buffer {
    void* p = nullptr;
    size_t bytes = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer bufs[2];
  Buffer& buf = bufs[slot];
  const size_t bytes = (static_cast<size_t>(count < 1 ? 1 : count) * sizeof(T) + 63) / 64 * 64;
  if (bytes > buf.bytes) {
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    std::free(buf.p);
    buf.p = p;
    buf.bytes = bytes;
  }
  return static_cast<T*>(buf.p);
}

// ---- skinny products: M or N tiny (matrix-vector like) -------------------------------------
// Packing the big operand would read and write all of it to use each element a few times;
// instead the tiny operand is copied (scaled by alpha) into k-contiguous vectors and the big
// one is streamed once in its stored order, with threads over chunks of the big dimension.

template <typename T>
inline void merge(T* c, T value, T beta) {
  *c = (beta == T(0)) ? value : value + beta * *c;
}

// small_m: M is the tiny dimension (rows of op(A) become the vectors); else N is.
template <typename T>
void gemm_skinny(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N,
                 int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
                 T* C, int64_t ldc, bool small_m, int nthreads) {
  const int64_t s = small_m ? M : N;  // the tiny dimension (<= kSkinnyDot)
  const int64_t big = small_m ? N : M;
  // Chunks of the big dimension: one per thread, unless the accumulators (s x chunk) would
  // outgrow L2.
  const int64_t chunk =
      std::max<int64_t>(64, std::min<int64_t>(ceil_div(big, nthreads), (int64_t(16) << 10) / s));
  T* vecs = scratch<T>(s * K + static_cast<int64_t>(nthreads) * s * chunk);
  T* accs = vecs + s * K;
  // vecs[t*K + p] = alpha * (row t of op(A)) or alpha * (column t of op(B)).
  for (int64_t t = 0; t < s; ++t) {
    for (int64_t p = 0; p < K; ++p) {
      const T v = small_m ? (trans_a ? A[p * lda + t] : A[t * lda + p])
                          : (trans_b ? B[t * ldb + p] : B[p * ldb + t]);
      vecs[t * K + p] = alpha * v;
    }
  }
  // The big operand's rows are either along the big dimension (axpy form: acc rows
  // accumulate them) or along K (dot form).
  const bool axpy = small_m ? !trans_b : trans_a;
  const T* big_op = small_m ? B : A;
  const int64_t ld = small_m ? ldb : lda;
  // C[t, x] (small_m) or C[x, t]: where entry (t, x) of the s x big result goes.
  const int64_t c_t = small_m ? ldc : 1, c_x = small_m ? 1 : ldc;
  const int64_t chunks = ceil_div(big, chunk);
  // Dot form: 3 rows of the big operand by 4 vectors per pass when the vectors split evenly
  // into fours (s = 4, 8: the LSTM's batch), else 4 rows by up to 3 vectors.
  const int nr = s % 4 == 0 ? 3 : 4;
  parallel_for(chunks, nthreads, [&](int64_t ch) {
    const int64_t b0 = ch * chunk, b1 = std::min(big, b0 + chunk), nb = b1 - b0;
    if (axpy) {  // acc[t, :] += vec_t[p] * big_op[p, b0:b1], four p at a time
#ifdef _OPENMP
      // inline (nthreads == 1) this may run inside another team, whose ids index nothing here
      T* acc = accs + (nthreads > 1 ? static_cast<int64_t>(omp_get_thread_num()) : 0) * s * chunk;
#else
      T* acc = accs;
#endif
      for (int64_t x = 0; x < s * nb; ++x) acc[x] = T(0);
      int64_t p = 0;
      for (; p + 4 <= K; p += 4) {
        const T* rows[4];
        for (int64_t q = 0; q < 4; ++q) rows[q] = big_op + (p + q) * ld + b0;
        for (int64_t t = 0; t < s; ++t) kr.axpy4(nb, vecs + t * K + p, rows, acc + t * nb);
      }
      for (; p < K; ++p) {
        const T* row = big_op + p * ld + b0;
        for (int64_t t = 0; t < s; ++t) kr.axpy(nb, vecs[t * K + p], row, acc + t * nb);
      }
      for (int64_t t = 0; t < s; ++t)
        for (int64_t x = 0; x < nb; ++x) merge(C + t * c_t + (b0 + x) * c_x, acc[t * nb + x], beta);
    } else {  // (t, x) = vec_t . big_op[x, :], nr rows by up to 12 / nr vectors at a time
      for (int64_t x = b0; x < b1; x += nr) {
        const int64_t nx = std::min<int64_t>(nr, b1 - x);
        const T* rows[4];
        for (int64_t q = 0; q < nr; ++q) rows[q] = big_op + (x + (q < nx ? q : 0)) * ld;
        for (int64_t t = 0; t < s; t += 12 / nr) {
          const int nv = static_cast<int>(std::min<int64_t>(12 / nr, s - t));
          T out[12];
          // the first pass over these rows also fetches the next group's (the same offset ahead in memory)
          const int64_t prefetch = t == 0 && x + 2 * nr <= b1 ? nr * ld : 0;
          kr.dot_xv(vecs + t * K, K, nv, rows, nr, K, out, prefetch);
          for (int v = 0; v < nv; ++v)
            for (int64_t q = 0; q < nx; ++q) merge(C + (t + v) * c_t + (x + q) * c_x, out[v * nr + q], beta);
        }
      }
    }
  });
}

// ---- blocked product ---------------------------------------------------------------------

// Packing A pays for itself when each packed element is used by many B micro-panels and A
// is too big for L2, where its strided rows would cost TLB and prefetch misses. Otherwise
// the micro-kernel reads op(A) in place (run_ua): no copy, and A, at most this big, stays in
// L2 between the B panels. Measured on Zen 4 (float32): in place is 10-40% faster up to
// (64..784) x (64..784) operands and no faster at 512^3 and beyond. A narrow product reads each A element for
// only a few B panels, so in place wins whatever A's size: 1.1-1.8x at 2 threads for M 256..4096, K 128..1600 and
// N <= 128 (A stored M x K) or N <= 64 (A stored K x M, whose in-place reads stride over rows; at N = 128
// packing was up to 1.25x faster there). The backward products of narrow layers (dX = dY @ W, dW = dY^T @ X).
constexpr int64_t kDirectABytes = 256 << 10;
// B read in place while it fits in L1 alongside a few rows of A.
constexpr int64_t kDirectBBytes = 32 << 10;

template <typename T>
bool use_direct_a(const GemmKernel<T>& kr, bool trans_a, int64_t M, int64_t N, int64_t K) {
  return M * K * static_cast<int64_t>(sizeof(T)) <= kDirectABytes || N <= (trans_a ? 4 : 8) * kr.nr;
}

// Blocks of K and N split them evenly (at most the kernel's kc and nc): K = 784 as 4 x 196 rather than
// 3 x 256 + 16, N = 4096 as 2 x 2048 rather than 4080 + 16, whose thin last block would repack all of A for one
// micro-panel of work. gemm_blocked and gemm_pack_b both use these, so pre-packed panels line up.
template <typename T>
int64_t block_k(const GemmKernel<T>& kr, int64_t K) {
  return ceil_div(K, ceil_div(K, kr.kc));
}
template <typename T>
int64_t block_n(const GemmKernel<T>& kr, int64_t N) {
  return std::min<int64_t>(round_up(ceil_div(N, ceil_div(N, kr.nc)), kr.nr), round_up(N, kr.nr));
}

// What gemm_bias_act adds to a finished m x n corner of C: its columns' bias (null: none), then max(., 0).
template <typename T>
struct Epilogue {
  const T* bias;  // indexed by C's column, or by its row when per_row
  bool per_row;
  bool relu;
};

template <typename T>
void apply_epilogue(const GemmKernel<T>& kr, const Epilogue<T>& ep, T* c, int64_t ldc, int64_t m, int64_t n,
                    int64_t row0, int64_t col0) {
  kr.epilogue(c, ldc, m, n, ep.bias != nullptr ? ep.bias + (ep.per_row ? row0 : col0) : nullptr, ep.per_row, ep.relu);
}

// ep: applied to each micro-tile of C right after its last K block, while the tile is still in L1.
template <typename T>
void gemm_blocked(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N,
                  int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
                  T* C, int64_t ldc, int nthreads, const T* prepacked = nullptr, const Epilogue<T>* ep = nullptr) {
  const int64_t MR = kr.mr, NR = kr.nr;
  const int64_t KC = block_k(kr, K), NC = block_n(kr, N);
  const int64_t m_panels = ceil_div(M, MR);

  // Thread grid nt_m x nt_n. Splitting N is preferred: each thread then packs and reads
  // only its own part of the B block (and packs a copy of the small A block), whereas an M
  // split makes every thread stream the whole B block, which is slower until M is large.
  // M is split only where N has too few micro-panels to share out evenly.
  // Where N is narrow (at most 64 columns a thread) and A is packed, the copies of A that an N split makes every
  // thread pack cost about as much as their products (each packed element feeds <= 64 multiply-adds): then each
  // thread's packing counts too (dW = x^T @ dY and dX = dY @ W with narrow layers: ~30% faster split by M).
  const bool direct_a = use_direct_a(kr, trans_a, M, N, K);
  const bool count_packing = !direct_a && N <= 64 * static_cast<int64_t>(nthreads);
  constexpr double kPackCost = 8;  // multiply-adds per packed element of A
  int nt_m = 1, nt_n = nthreads;
  {
    const int64_t n_panels = ceil_div(std::min(N, NC), NR);
    double best = -1;
    for (int tm = 1; tm <= nthreads; ++tm) {
      if (nthreads % tm != 0) continue;
      const int tn = nthreads / tm;
      // time ~ the largest share of micro-tiles (+ packing, above); ties keep the larger N split.
      const double rows = static_cast<double>(ceil_div(m_panels, tm) * MR);
      const double share = rows * static_cast<double>(ceil_div(n_panels, tn) * NR) + (count_packing ? kPackCost * rows : 0);
      if (best < 0 || share < best) {
        best = share;
        nt_m = tm;
        nt_n = tn;
      }
    }
  }

  const int64_t MC = std::min<int64_t>(kr.mc, ceil_div(m_panels, nt_m) * MR);
  // Small B stored K x N: its whole micro-panels are read in place too (only a ragged last
  // panel is packed, with its zero padding). Single-threaded products only, so no thread
  // waits on another's packing.
  const bool direct_b = prepacked == nullptr && direct_a && nthreads == 1 && !trans_b &&
                        K * N * static_cast<int64_t>(sizeof(T)) <= kDirectBBytes;
  T* bpack = scratch<T>(KC * NC + (direct_a ? 0 : static_cast<int64_t>(nthreads) * MC * KC));
  T* apack_all = bpack + KC * NC;

  const int64_t rs_a = trans_a ? 1 : lda, cs_a = trans_a ? lda : 1;
  // Threads read one another's B panels only when M is split too: otherwise each thread packs exactly the
  // panels it multiplies, and needs no barrier around the packing (two per K block, a tenth of a long-K product).
  const bool shared_b = nthreads > 1 && prepacked == nullptr && nt_m > 1;
  auto body = [&](int tid) {
    const int tm = tid / nt_n, tn = tid % nt_n;
    const int64_t m0 = std::min(M, (m_panels * tm / nt_m) * MR);
    const int64_t m1 = std::min(M, (m_panels * (tm + 1) / nt_m) * MR);
    T* apack = apack_all + static_cast<int64_t>(tid) * MC * KC;
    for (int64_t jc = 0; jc < N; jc += NC) {
      const int64_t nc = std::min(NC, N - jc);
      const int64_t n_panels = ceil_div(nc, NR);
      const int64_t q0 = n_panels * tn / nt_n, q1 = n_panels * (tn + 1) / nt_n;
      for (int64_t pc = 0; pc < K; pc += KC) {
        const int64_t kc = std::min(KC, K - pc);
        const T beta_eff = (pc == 0) ? beta : T(1);
        const Epilogue<T>* tile_ep = pc + kc == K ? ep : nullptr;
        // This block's B panels: packed before the call (gemm_packed; a single N block), or packed here. Panel q
        // sits at q * kc * NR from the base. Threads that pack only their own panels run through the K blocks
        // unsynchronised, one possibly a block (a different kc) ahead: each then keeps its panels inside its
        // own stretch [q0 * KC * NR, q1 * KC * NR) of the buffer.
        T* own = shared_b ? bpack : bpack + q0 * (KC - kc) * NR;
        const T* bblock = prepacked != nullptr ? prepacked + (pc / KC) * KC * NC : own;
        if (prepacked != nullptr) {
          // nothing to pack, nothing to wait for
        } else if (direct_b) {
          if (nc % NR != 0) pack_b(kr, own, B, ldb, false, pc, jc, kc, nc, n_panels - 1, n_panels);
        } else {
          pack_b(kr, own, B, ldb, trans_b, pc, jc, kc, nc, n_panels * tid / nthreads,
                 n_panels * (tid + 1) / nthreads);
        }
#ifdef _OPENMP
        if (shared_b) {
#pragma omp barrier
        }
#endif
        for (int64_t ic = m0; ic < m1; ic += MC) {
          const int64_t mc = std::min(MC, m1 - ic);
          if (direct_a) {
            const T* a0 = trans_a ? A + pc * lda + ic : A + ic * lda + pc;
            for (int64_t q = q0; q < q1; ++q) {
              const int64_t jr = q * NR;
              const int64_t n = std::min(NR, nc - jr);
              const bool in_place = direct_b && n == NR;
              const T* bp = in_place ? B + pc * ldb + jc + jr : bblock + q * kc * NR;
              const int64_t rs_b = in_place ? ldb : NR;
              T* cj = C + ic * ldc + jc + jr;
              for (int64_t ir = 0; ir < mc; ir += MR) {
                kr.run_ua(kc, a0 + ir * rs_a, rs_a, cs_a, bp, rs_b, cj + ir * ldc, ldc, alpha,
                          beta_eff, std::min(MR, mc - ir), n);
                if (tile_ep != nullptr) {
                  apply_epilogue(kr, *tile_ep, cj + ir * ldc, ldc, std::min(MR, mc - ir), n, ic + ir, jc + jr);
                }
              }
            }
            continue;
          }
          pack_a(apack, A, lda, trans_a, ic, pc, mc, kc, kr.mr);
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t jr = q * NR;
            const int64_t n = std::min(NR, nc - jr);
            const T* bp = bblock + q * kc * NR;
            T* cj = C + ic * ldc + jc + jr;
            for (int64_t ir = 0; ir < mc; ir += MR) {
              kr.run(kc, apack + ir * kc, bp, cj + ir * ldc, ldc, alpha, beta_eff,
                     std::min(MR, mc - ir), n);
              if (tile_ep != nullptr) {
                apply_epilogue(kr, *tile_ep, cj + ir * ldc, ldc, std::min(MR, mc - ir), n, ic + ir, jc + jr);
              }
            }
          }
        }
#ifdef _OPENMP
        if (shared_b) {
#pragma omp barrier  // B is repacked next step
        }
#endif
      }
#ifdef _OPENMP
      // Unsynchronised threads keep their panels apart within an N block, but the next block may have fewer
      // panels and so other stretches: nobody starts packing it before everyone is done with this one.
      if (!shared_b && nthreads > 1 && prepacked == nullptr && jc + NC < N) {
#pragma omp barrier
      }
#endif
    }
  };

#ifdef _OPENMP
  if (nthreads > 1) {
    bool short_team = false;
#pragma omp parallel num_threads(nthreads)
    {
      // The runtime may give fewer threads than asked (thread limits); the partition needs
      // every one of them, so then the whole team stands down and one thread does it all.
      if (omp_get_num_threads() == nthreads) {
        body(omp_get_thread_num());
      } else if (omp_get_thread_num() == 0) {
        short_team = true;
      }
    }
    if (short_team) {
      gemm_blocked(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1, prepacked, ep);
    }
    return;
  }
#endif
  body(0);
}

// Whether a small product with N much narrower than the micro-tile (MLP output layers:
// N = 10 against nr = 16) wastes enough of the tiles' multiply-adds on padding that computing
// C^T (N rows, M columns) and transposing it back is cheaper. Compares padded tile areas.
template <typename T>
bool transpose_pays(const GemmKernel<T>& kr, int64_t M, int64_t N) {
  if (N >= kr.nr || M * N > (int64_t(1) << 16)) return false;
  const int64_t direct = round_up(M, kr.mr) * round_up(N, kr.nr);
  const int64_t transposed = round_up(N, kr.mr) * round_up(M, kr.nr);
  return 5 * transposed < 4 * direct;
}

// Whether gemm_one hands the product to gemm_skinny (matrix-vector like).
bool takes_skinny(bool trans_a, bool trans_b, int64_t M, int64_t N) {
  const bool small_m = M < N || (M == N && trans_b);
  const bool dot_form = small_m ? trans_b : !trans_a;  // as gemm_skinny decides
  const int64_t tiny = small_m ? M : N;
  return tiny <= kSkinnyAxpy || (dot_form && tiny <= kSkinnyDot);
}

// A long K against a small, narrow C (weight gradients: dW = dY^T X over a batch of thousands of rows) is split
// along K: each thread multiplies its own stretch of K into its own copy of C, with no barrier and nothing
// packed twice, and the copies are summed at the end (C is small next to the work: at most 256K elements).
bool splits_k(int64_t M, int64_t N, int64_t K, int nt) {
  return nt > 1 && K >= 512 * static_cast<int64_t>(nt) && std::min(M, N) <= 128 && M * N <= (int64_t(1) << 18);
}

template <typename T>
void gemm_split_k(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                  const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc, int nt) {
  T* parts = scratch<T>(static_cast<int64_t>(nt - 1) * M * N, 1);  // threads 1.. write here; thread 0 into C
  parallel_for(nt, nt, [&](int64_t t) {
    const int64_t k0 = K * t / nt, k1 = K * (t + 1) / nt;
    const T* a = trans_a ? A + k0 * lda : A + k0;
    const T* b = trans_b ? B + k0 : B + k0 * ldb;
    if (t == 0) {
      gemm_blocked(kr, trans_a, trans_b, M, N, k1 - k0, alpha, a, lda, b, ldb, beta, C, ldc, 1);
    } else {
      gemm_blocked(kr, trans_a, trans_b, M, N, k1 - k0, alpha, a, lda, b, ldb, T(0), parts + (t - 1) * M * N, N, 1);
    }
  });
  parallel_for(M, threads_for(static_cast<double>(M) * N * nt, 1 << 16), [&](int64_t i) {
    T* ci = C + i * ldc;
    for (int t = 1; t < nt; ++t) {
      const T* pi = parts + (static_cast<int64_t>(t - 1) * M + i) * N;
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) ci[j] += pi[j];
    }
  });
}

// One product with up to max_threads threads.
// ep (optional): the paths without micro-tiles apply it in one pass over C at the end.
template <typename T>
void gemm_one(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N,
              int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
              int64_t ldc, int max_threads, const Epilogue<T>* ep = nullptr) {
  if (M <= 0 || N <= 0) return;
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int nt = std::min(max_threads, threads_for(macs, kMinMacsPerThread));
  auto finish = [&] {
    if (ep != nullptr) {
      parallel_for(M, threads_for(static_cast<double>(M) * N, 1 << 16),
                   [&](int64_t i) { apply_epilogue(kr, *ep, C + i * ldc, ldc, 1, N, i, 0); });
    }
  };
  if (K <= 0 || alpha == T(0)) {  // BLAS semantics: A and B are not read
    scale_c(M, N, beta, C, ldc);
    finish();
    return;
  }
  const bool small_m = M < N || (M == N && trans_b);
  if (takes_skinny(trans_a, trans_b, M, N)) {
    gemm_skinny(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, small_m, nt);
    finish();
    return;
  }
  if (transpose_pays(kr, M, N)) {
    // C^T = op(B)^T op(A)^T into a scratch N x M, then added into C.
    T* t = scratch<T>(M * N, 1);
    gemm_blocked(kr, !trans_b, !trans_a, N, M, K, alpha, B, ldb, A, lda, T(0), t, M, nt);
    for (int64_t i = 0; i < M; ++i) {
      T* ci = C + i * ldc;
      for (int64_t j = 0; j < N; ++j) merge(ci + j, t[j * M + i], beta);
      if (ep != nullptr) apply_epilogue(kr, *ep, ci, ldc, 1, N, i, 0);
    }
    return;
  }
  if (splits_k(M, N, K, nt)) {
    gemm_split_k(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt);
    finish();
    return;
  }
  gemm_blocked<T>(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt, nullptr, ep);
}

}  // namespace

// ---- public entry points -------------------------------------------------------------------

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  const GemmKernel<T> kr = select_kernel<T>();
  gemm_one(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
           get_num_threads());
}

// Products of at most this many rows against a pre-packed B use the few-rows kernel (a tile of its rows at a
// time) where the CPU has one; from kSkinnyAxpy + 1 rows, below which the skinny path streams B just as fast.
constexpr int64_t kFewRowsMax = 16;

template <typename T>
bool takes_few_rows(const detail::GemmFewRows<T>& fr, int64_t M) {
  return fr.run != nullptr && M > kSkinnyAxpy && M <= kFewRowsMax;
}

// op(B) (K x N) -> ceil(N / nr) panels, each the whole K: panels[q*K*nr + p*nr + j] = op(B)[p, q*nr + j],
// zero past column N. Threads over panels.
template <typename T>
void pack_b_whole_k(T* panels, const T* B, int64_t ldb, bool trans_b, int64_t K, int64_t N, int nr) {
  const int64_t n_panels = ceil_div(N, static_cast<int64_t>(nr));
  const int nt = threads_for(static_cast<double>(K) * static_cast<double>(N), 1 << 18);
  parallel_for(n_panels, nt, [&](int64_t q) {
    T* dst = panels + q * K * nr;
    const int64_t j0 = q * nr, n = std::min<int64_t>(nr, N - j0);
    if (!trans_b) {  // row p of the panel is contiguous in B
      for (int64_t p = 0; p < K; ++p) {
        const T* s = B + p * ldb + j0;
        T* d = dst + p * nr;
        int64_t j = 0;
        for (; j < n; ++j) d[j] = s[j];
        for (; j < nr; ++j) d[j] = T(0);
      }
      return;
    }
    // B is N x K: transpose 16 of K at a time, so the nr source rows' lines and the destination stay in L1
    constexpr int64_t kStep = 16;
    for (int64_t p0 = 0; p0 < K; p0 += kStep) {
      const int64_t p1 = std::min(K, p0 + kStep);
      for (int64_t j = 0; j < nr; ++j) {
        if (j < n) {
          const T* s = B + (j0 + j) * ldb;
          for (int64_t p = p0; p < p1; ++p) dst[p * nr + j] = s[p];
        } else {
          for (int64_t p = p0; p < p1; ++p) dst[p * nr + j] = T(0);
        }
      }
    }
  });
}

template <typename T>
std::shared_ptr<T> aligned_panels(size_t count) {
  const size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
  T* panels = static_cast<T*>(std::aligned_alloc(64, bytes));
  if (panels == nullptr) throw std::bad_alloc();
  return std::shared_ptr<T>(panels, [](T* q) { std::free(q); });
}

template <typename T>
void gemm_bias_act(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                   const T* B, int64_t ldb, const T* bias, bool relu, T* C, int64_t ldc, BiasOf bias_of) {
  const GemmKernel<T> kr = select_kernel<T>();
  const Epilogue<T> ep{bias, bias_of == BiasOf::rows, relu};
  gemm_one(kr, trans_a, trans_b, M, N, K, T(1), A, lda, B, ldb, T(0), C, ldc, get_num_threads(),
           bias != nullptr || relu ? &ep : nullptr);
}

template <typename T>
PackedB<T> gemm_pack_b(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb, int64_t M) {
  PackedB<T> p{trans_b, K, N, B, ldb, {}, 0, 0, false};
  if (K <= 0 || N <= 0) return p;
  const detail::GemmFewRows<T> fr = select_few_rows<T>();
  if (takes_few_rows(fr, M)) {
    p.panels = aligned_panels<T>(static_cast<size_t>(ceil_div(N, static_cast<int64_t>(fr.nr)) * K * fr.nr));
    pack_b_whole_k(p.panels.get(), B, ldb, trans_b, K, N, fr.nr);
    p.nr = fr.nr;
    p.whole_k = true;
    return p;
  }
  const GemmKernel<T> kr = select_kernel<T>();
  // one N block only (otherwise gemm packs as it goes), and only for products that take the blocked path
  if (N > kr.nc || takes_skinny(false, trans_b, M, N) || transpose_pays(kr, M, N)) return p;
  const int64_t KC = block_k(kr, K), NC = block_n(kr, N);  // N <= nc: one block of round_up(N, nr)
  p.panels = aligned_panels<T>(static_cast<size_t>(ceil_div(K, KC) * KC * NC));
  T* panels = p.panels.get();
  for (int64_t pc = 0; pc < K; pc += KC) {
    pack_b(kr, panels + (pc / KC) * KC * NC, B, ldb, trans_b, pc, 0, std::min(KC, K - pc), N, 0,
           ceil_div(N, kr.nr));
  }
  p.nr = kr.nr;
  p.kc = kr.kc;
  return p;
}

// C = alpha * op(A) @ op(B) + beta * C for M <= kFewRowsMax, op(B) in whole-K panels: threads over the
// panels, each panel swept by tiles of fr.rows rows of A read in place.
template <typename T>
void few_rows_packed(const detail::GemmFewRows<T>& fr, bool trans_a, int64_t M, int64_t N, int64_t K, T alpha,
                     const T* A, int64_t lda, const T* panels, T beta, T* C, int64_t ldc) {
  const int64_t nr = fr.nr, n_panels = ceil_div(N, nr);
  const int64_t rs_a = trans_a ? 1 : lda, cs_a = trans_a ? lda : 1;
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int nt = static_cast<int>(std::min<int64_t>(n_panels, std::min(get_num_threads(), threads_for(macs, kMinMacsPerThread))));
  parallel_for(nt, nt, [&](int64_t tid) {
    for (int64_t q = n_panels * tid / nt; q < n_panels * (tid + 1) / nt; ++q) {
      const T* panel = panels + q * K * nr;
      const int64_t n = std::min(nr, N - q * nr);
      for (int64_t i0 = 0; i0 < M; i0 += fr.rows) {
        fr.run(K, A + i0 * rs_a, rs_a, cs_a, panel, nr, C + i0 * ldc + q * nr, ldc, alpha, beta,
               std::min<int64_t>(fr.rows, M - i0), n);
      }
    }
  });
}

template <typename T>
void gemm_packed(bool trans_a, int64_t M, T alpha, const T* A, int64_t lda, const PackedB<T>& B, T beta, T* C,
                 int64_t ldc) {
  const int64_t N = B.N, K = B.K;
  if (B.whole_k) {
    const detail::GemmFewRows<T> fr = select_few_rows<T>();
    if (fr.run != nullptr && fr.nr == B.nr && M > 0 && M <= kFewRowsMax && alpha != T(0)) {
      few_rows_packed(fr, trans_a, M, N, K, alpha, A, lda, B.panels.get(), beta, C, ldc);
    } else {
      gemm(trans_a, B.trans_b, M, N, K, alpha, A, lda, B.B, B.ldb, beta, C, ldc);
    }
    return;
  }
  const GemmKernel<T> kr = select_kernel<T>();
  const bool usable = B.panels != nullptr && kr.nr == B.nr && kr.kc == B.kc && M > 0 && alpha != T(0) &&
                      !takes_skinny(trans_a, B.trans_b, M, N) && !transpose_pays(kr, M, N);
  if (!usable) {  // the paths that read B itself (or a kernel other than the one the panels were made for)
    gemm(trans_a, B.trans_b, M, N, K, alpha, A, lda, B.B, B.ldb, beta, C, ldc);
    return;
  }
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int nt = std::min(get_num_threads(), threads_for(macs, kMinMacsPerThread));
  gemm_blocked(kr, trans_a, B.trans_b, M, N, K, alpha, A, lda, B.B, B.ldb, beta, C, ldc, nt, B.panels.get());
}

template <typename T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                  const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
                  int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const GemmKernel<T> kr = select_kernel<T>();
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int nt = threads_for(macs * static_cast<double>(batch), kMinMacsPerThread);
  // Threads over the batch when there are enough products to share out evenly, or each is
  // too small to split; otherwise threads inside each product. (stride_c == 0 would race.)
  const bool over_batch = nt > 1 && stride_c != 0 && batch >= nt &&
                          (batch >= 4 * nt || macs < 128.0 * 128.0 * 128.0);
  if (over_batch) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (int64_t b = 0; b < batch; ++b) {
      gemm_one(kr, trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b,
               ldb, beta, C + b * stride_c, ldc, 1);
    }
    return;
  }
  for (int64_t b = 0; b < batch; ++b) {
    gemm_one(kr, trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb,
             beta, C + b * stride_c, ldc, nt);
  }
}

template <typename T>
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = T(0);
      for (int64_t p = 0; p < K; ++p) {
        const T a = trans_a ? A[p * lda + i] : A[i * lda + p];
        const T b = trans_b ? B[j * ldb + p] : B[p * ldb + j];
        acc += a * b;
      }
      T* c = C + i * ldc + j;
      *c = (beta == T(0)) ? alpha * acc : alpha * acc + beta * *c;
    }
  }
}

template <typename T>
void gemm_naive_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                        const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
                        int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b,
                        int64_t stride_c) {
  for (int64_t b = 0; b < batch; ++b) {
    gemm_naive(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb,
               beta, C + b * stride_c, ldc);
  }
}

#define DEEPGRAD_INSTANTIATE_GEMM(T)                                                            \
  template PackedB<T> gemm_pack_b<T>(bool, int64_t, int64_t, const T*, int64_t, int64_t);      \
  template void gemm_packed<T>(bool, int64_t, T, const T*, int64_t, const PackedB<T>&, T, T*, int64_t); \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*,  \
                        int64_t, T, T*, int64_t);                                               \
  template void gemm_bias_act<T>(bool, bool, int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, \
                                 const T*, bool, T*, int64_t, BiasOf);                                  \
  template void gemm_naive<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,      \
                              const T*, int64_t, T, T*, int64_t);                               \
  template void gemm_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,    \
                                const T*, int64_t, T, T*, int64_t, int64_t, int64_t, int64_t,   \
                                int64_t);                                                       \
  template void gemm_naive_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*,       \
                                      int64_t, const T*, int64_t, T, T*, int64_t, int64_t,      \
                                      int64_t, int64_t, int64_t);

DEEPGRAD_INSTANTIATE_GEMM(float)
DEEPGRAD_INSTANTIATE_GEMM(double)

}  // namespace deepgrad
