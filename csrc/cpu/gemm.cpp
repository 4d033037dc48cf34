// gemm: C = alpha * op(A) @ op(B) + beta * C, float and double (shapes in gemm.h).
//
// Structure after GotoBLAS/BLIS:
//   for jc over N in steps of nc:            B block (kc x nc) packed once, shared by threads
//     for pc over K in steps of kc:
//       pack B block into nr-wide micro-panels   (threads split the panels)
//       for ic over M in steps of mc:        each thread owns a range of M (or of N's panels)
//         pack A block into mr-tall micro-panels (per thread)
//         for jr over the block's panels:    B micro-panel stays in L1
//           for ir over A's micro-panels:    micro-kernel, mr x nr tile of C in registers
// The first pc step applies the caller's beta, later ones accumulate (beta = 1).
// Small products skip all of this (no packing, no threads): see gemm_small.
#include "deepgrad/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "deepgrad/dispatch.h"
#include "deepgrad/parallel.h"
#include "gemm_ukernel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace deepgrad {
namespace {

using detail::GemmKernel;

// Below this many multiply-adds (M*N*K) packing and blocking cost more than they save.
static const double kSmallMacs = std::getenv("DG_SMALL") ? std::atof(std::getenv("DG_SMALL")) : 24.0 * 24.0 * 24.0;
// A thread should get at least this many multiply-adds, or starting it is not worth it.
constexpr double kMinMacsPerThread = 48.0 * 48.0 * 48.0;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// ---- portable micro-kernel ---------------------------------------------------------------
// Plain loops the compiler vectorises for the baseline ISA (SSE2 on x86-64, NEON on arm64).

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
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * acc[i][j];
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

template <typename T>
GemmKernel<T> portable_kernel();
template <>
GemmKernel<float> portable_kernel<float>() {
  return {4, 8, 128, 256, 4096, &ukernel_portable<float, 4, 8>};
}
template <>
GemmKernel<double> portable_kernel<double>() {
  return {4, 4, 128, 256, 2048, &ukernel_portable<double, 4, 4>};
}

template <typename T>
GemmKernel<T> select_kernel();
template <>
GemmKernel<float> select_kernel<float>() {
#if DEEPGRAD_HAVE_AVX2_TU
  if (simd_level() == SimdLevel::avx2) return detail::gemm_kernel_avx2_f32();
#endif
  return portable_kernel<float>();
}
template <>
GemmKernel<double> select_kernel<double>() {
#if DEEPGRAD_HAVE_AVX2_TU
  if (simd_level() == SimdLevel::avx2) return detail::gemm_kernel_avx2_f64();
#endif
  return portable_kernel<double>();
}

// ---- packing -----------------------------------------------------------------------------

// op(A)[i0:i0+mc, p0:p0+kc] -> ceil(mc/mr) micro-panels, each kc x mr (p-major), zero padded.
template <typename T>
void pack_a(T* __restrict out, const T* __restrict A, int64_t lda, bool trans_a, int64_t i0,
            int64_t p0, int64_t mc, int64_t kc, int mr) {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    const int64_t m = std::min<int64_t>(mr, mc - ir);
    if (trans_a) {  // A is K x M: a row of the micro-panel is contiguous in A
      const T* src = A + p0 * lda + (i0 + ir);
      for (int64_t p = 0; p < kc; ++p) {
        const T* s = src + p * lda;
        T* d = out + p * mr;
        int64_t i = 0;
        for (; i < m; ++i) d[i] = s[i];
        for (; i < mr; ++i) d[i] = T(0);
      }
    } else {  // A is M x K: gather one element from each of m rows
      for (int64_t i = 0; i < m; ++i) {
        const T* s = A + (i0 + ir + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) out[p * mr + i] = s[p];
      }
      for (int64_t i = m; i < mr; ++i)
        for (int64_t p = 0; p < kc; ++p) out[p * mr + i] = T(0);
    }
    out += kc * mr;
  }
}

// op(B)[p0:p0+kc, j0 + panel*nr ...] for panels [first, last) -> kc x nr micro-panels, zero
// padded past column n_total of the block.
template <typename T>
void pack_b(T* __restrict out, const T* __restrict B, int64_t ldb, bool trans_b, int64_t p0,
            int64_t j0, int64_t kc, int64_t n_total, int nr, int64_t first, int64_t last) {
  for (int64_t panel = first; panel < last; ++panel) {
    const int64_t jr = panel * nr;
    const int64_t n = std::min<int64_t>(nr, n_total - jr);
    T* dst = out + panel * kc * nr;
    if (!trans_b) {  // B is K x N: a row of the micro-panel is contiguous in B
      const T* src = B + p0 * ldb + (j0 + jr);
      for (int64_t p = 0; p < kc; ++p) {
        const T* s = src + p * ldb;
        T* d = dst + p * nr;
        int64_t j = 0;
        for (; j < n; ++j) d[j] = s[j];
        for (; j < nr; ++j) d[j] = T(0);
      }
    } else {  // B is N x K
      for (int64_t j = 0; j < n; ++j) {
        const T* s = B + (j0 + jr + j) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = s[p];
      }
      for (int64_t j = n; j < nr; ++j)
        for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = T(0);
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

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

template <typename T>
T* aligned_buffer(std::unique_ptr<void, AlignedFree>& holder, int64_t count) {
  size_t bytes = static_cast<size_t>(count) * sizeof(T);
  bytes = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  holder.reset(p);
  return static_cast<T*>(p);
}

// ---- small products: no packing, no threads ------------------------------------------------

template <typename T>
void gemm_small(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* __restrict ci = C + i * ldc;
    if (!trans_b) {  // row i of C accumulates rows of B: unit stride over N
      if (beta == T(0)) {
        for (int64_t j = 0; j < N; ++j) ci[j] = T(0);
      } else if (beta != T(1)) {
        for (int64_t j = 0; j < N; ++j) ci[j] *= beta;
      }
      for (int64_t p = 0; p < K; ++p) {
        const T aip = alpha * (trans_a ? A[p * lda + i] : A[i * lda + p]);
        const T* __restrict bp = B + p * ldb;
#pragma omp simd
        for (int64_t j = 0; j < N; ++j) ci[j] += aip * bp[j];
      }
    } else {  // B is N x K: C[i, j] is a dot product of two unit-stride rows (if !trans_a)
      for (int64_t j = 0; j < N; ++j) {
        const T* __restrict bj = B + j * ldb;
        T acc = T(0);
        if (!trans_a) {
          const T* __restrict ai = A + i * lda;
#pragma omp simd reduction(+ : acc)
          for (int64_t p = 0; p < K; ++p) acc += ai[p] * bj[p];
        } else {
          for (int64_t p = 0; p < K; ++p) acc += A[p * lda + i] * bj[p];
        }
        ci[j] = (beta == T(0)) ? alpha * acc : alpha * acc + beta * ci[j];
      }
    }
  }
}

// ---- blocked product ---------------------------------------------------------------------

template <typename T>
void gemm_blocked(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N,
                  int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
                  T* C, int64_t ldc, int nthreads) {
  const int64_t MR = kr.mr, NR = kr.nr;
  const int64_t KC = std::min<int64_t>(kr.kc, K);
  const int64_t NC = std::min<int64_t>(kr.nc, round_up(N, NR));
  const int64_t m_panels = ceil_div(M, MR);

  // Thread grid nt_m x nt_n: split M when it has enough micro-panels (each thread packs its
  // own A, B is shared); otherwise split the B panels of each block too.
  int nt_m = nthreads, nt_n = 1;
  {
    const int64_t n_panels = ceil_div(std::min(N, NC), NR);
    double best = -1;
    for (int tm = nthreads; tm >= 1; --tm) {
      if (nthreads % tm != 0) continue;
      const int tn = nthreads / tm;
      // time ~ the largest share; prefer splitting M on ties.
      const double share = static_cast<double>(ceil_div(m_panels, tm) * MR) *
                           static_cast<double>(ceil_div(n_panels, tn) * NR);
      if (best < 0 || share < best) {
        best = share;
        nt_m = tm;
        nt_n = tn;
      }
    }
  }

  const int64_t MC = std::min<int64_t>(kr.mc, ceil_div(m_panels, nt_m) * MR);
  std::unique_ptr<void, AlignedFree> holder;
  T* bpack = aligned_buffer<T>(holder, KC * NC + static_cast<int64_t>(nthreads) * MC * KC);
  T* apack_all = bpack + KC * NC;

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
        pack_b(bpack, B, ldb, trans_b, pc, jc, kc, nc, kr.nr, n_panels * tid / nthreads,
               n_panels * (tid + 1) / nthreads);
#ifdef _OPENMP
        if (nthreads > 1) {
#pragma omp barrier
        }
#endif
        for (int64_t ic = m0; ic < m1; ic += MC) {
          const int64_t mc = std::min(MC, m1 - ic);
          pack_a(apack, A, lda, trans_a, ic, pc, mc, kc, kr.mr);
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t jr = q * NR;
            const int64_t n = std::min(NR, nc - jr);
            const T* bp = bpack + q * kc * NR;
            T* cj = C + ic * ldc + jc + jr;
            for (int64_t ir = 0; ir < mc; ir += MR) {
              kr.run(kc, apack + ir * kc, bp, cj + ir * ldc, ldc, alpha, beta_eff,
                     std::min(MR, mc - ir), n);
            }
          }
        }
#ifdef _OPENMP
        if (nthreads > 1) {
#pragma omp barrier  // B is repacked next step
        }
#endif
      }
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
      gemm_blocked(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1);
    }
    return;
  }
#endif
  body(0);
}

// One product with up to max_threads threads.
template <typename T>
void gemm_one(const GemmKernel<T>& kr, bool trans_a, bool trans_b, int64_t M, int64_t N,
              int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
              int64_t ldc, int max_threads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {  // BLAS semantics: A and B are not read
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  // Small products, and vector-matrix products (packing would touch every element of the
  // matrix once just to use it once), take the direct loop.
  if (macs < kSmallMacs) {
    gemm_small(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  int nt = std::min(max_threads, threads_for(macs, kMinMacsPerThread));
  gemm_blocked(kr, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt);
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
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*,  \
                        int64_t, T, T*, int64_t);                                               \
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
