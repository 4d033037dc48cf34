// AVX2/FMA micro-kernels for gemm (compiled with -mavx2 -mfma; used only when dispatch.cpp
// finds both on the CPU). float: 6x16 tile, double: 6x8 tile; each is 12 accumulator
// registers + 2 for the B row + 1 for the broadcast A element = 15 of the 16 ymm registers.
//
// No std headers or inline library templates here: anything the linker could share with the
// portable translation units must not be compiled for AVX2 (see gemm_ukernel.h).
#include <immintrin.h>

#include "gemm_ukernel.h"

namespace deepgrad {
namespace detail {
namespace {

// ---- float, 6 x 16 ---------------------------------------------------------------------

// c[0:8], c[8:16] = alpha*acc + beta*c  (beta == 0: c not read)
static inline void store_row_f32(float* c, __m256 lo, __m256 hi, __m256 valpha, __m256 vbeta,
                                 bool beta_zero) {
  lo = _mm256_mul_ps(lo, valpha);
  hi = _mm256_mul_ps(hi, valpha);
  if (!beta_zero) {
    lo = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c), lo);
    hi = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + 8), hi);
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}

void ukernel_f32_6x16(int64_t kc, const float* __restrict a, const float* __restrict b,
                      float* __restrict c, int64_t ldc, float alpha, float beta, int64_t m,
                      int64_t n) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += 6;
    b += 16;
  }

  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 vbeta = _mm256_set1_ps(beta);
  const bool beta_zero = (beta == 0.0f);
  if (m == 6 && n == 16) {
    store_row_f32(c + 0 * ldc, c00, c01, valpha, vbeta, beta_zero);
    store_row_f32(c + 1 * ldc, c10, c11, valpha, vbeta, beta_zero);
    store_row_f32(c + 2 * ldc, c20, c21, valpha, vbeta, beta_zero);
    store_row_f32(c + 3 * ldc, c30, c31, valpha, vbeta, beta_zero);
    store_row_f32(c + 4 * ldc, c40, c41, valpha, vbeta, beta_zero);
    store_row_f32(c + 5 * ldc, c50, c51, valpha, vbeta, beta_zero);
    return;
  }
  // Edge tile: spill the accumulators, then merge only the m x n corner.
  alignas(32) float t[6 * 16];
  _mm256_store_ps(t + 0 * 16, c00), _mm256_store_ps(t + 0 * 16 + 8, c01);
  _mm256_store_ps(t + 1 * 16, c10), _mm256_store_ps(t + 1 * 16 + 8, c11);
  _mm256_store_ps(t + 2 * 16, c20), _mm256_store_ps(t + 2 * 16 + 8, c21);
  _mm256_store_ps(t + 3 * 16, c30), _mm256_store_ps(t + 3 * 16 + 8, c31);
  _mm256_store_ps(t + 4 * 16, c40), _mm256_store_ps(t + 4 * 16 + 8, c41);
  _mm256_store_ps(t + 5 * 16, c50), _mm256_store_ps(t + 5 * 16 + 8, c51);
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    const float* ti = t + i * 16;
    if (beta_zero) {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * ti[j];
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * ti[j] + beta * ci[j];
    }
  }
}

// ---- double, 6 x 8 ---------------------------------------------------------------------

static inline void store_row_f64(double* c, __m256d lo, __m256d hi, __m256d valpha,
                                 __m256d vbeta, bool beta_zero) {
  lo = _mm256_mul_pd(lo, valpha);
  hi = _mm256_mul_pd(hi, valpha);
  if (!beta_zero) {
    lo = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(c), lo);
    hi = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(c + 4), hi);
  }
  _mm256_storeu_pd(c, lo);
  _mm256_storeu_pd(c + 4, hi);
}

void ukernel_f64_6x8(int64_t kc, const double* __restrict a, const double* __restrict b,
                     double* __restrict c, int64_t ldc, double alpha, double beta, int64_t m,
                     int64_t n) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();

#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_load_pd(b);
    const __m256d b1 = _mm256_load_pd(b + 4);
    __m256d av;
    av = _mm256_broadcast_sd(a + 0);
    c00 = _mm256_fmadd_pd(av, b0, c00);
    c01 = _mm256_fmadd_pd(av, b1, c01);
    av = _mm256_broadcast_sd(a + 1);
    c10 = _mm256_fmadd_pd(av, b0, c10);
    c11 = _mm256_fmadd_pd(av, b1, c11);
    av = _mm256_broadcast_sd(a + 2);
    c20 = _mm256_fmadd_pd(av, b0, c20);
    c21 = _mm256_fmadd_pd(av, b1, c21);
    av = _mm256_broadcast_sd(a + 3);
    c30 = _mm256_fmadd_pd(av, b0, c30);
    c31 = _mm256_fmadd_pd(av, b1, c31);
    av = _mm256_broadcast_sd(a + 4);
    c40 = _mm256_fmadd_pd(av, b0, c40);
    c41 = _mm256_fmadd_pd(av, b1, c41);
    av = _mm256_broadcast_sd(a + 5);
    c50 = _mm256_fmadd_pd(av, b0, c50);
    c51 = _mm256_fmadd_pd(av, b1, c51);
    a += 6;
    b += 8;
  }

  const __m256d valpha = _mm256_set1_pd(alpha);
  const __m256d vbeta = _mm256_set1_pd(beta);
  const bool beta_zero = (beta == 0.0);
  if (m == 6 && n == 8) {
    store_row_f64(c + 0 * ldc, c00, c01, valpha, vbeta, beta_zero);
    store_row_f64(c + 1 * ldc, c10, c11, valpha, vbeta, beta_zero);
    store_row_f64(c + 2 * ldc, c20, c21, valpha, vbeta, beta_zero);
    store_row_f64(c + 3 * ldc, c30, c31, valpha, vbeta, beta_zero);
    store_row_f64(c + 4 * ldc, c40, c41, valpha, vbeta, beta_zero);
    store_row_f64(c + 5 * ldc, c50, c51, valpha, vbeta, beta_zero);
    return;
  }
  alignas(32) double t[6 * 8];
  _mm256_store_pd(t + 0 * 8, c00), _mm256_store_pd(t + 0 * 8 + 4, c01);
  _mm256_store_pd(t + 1 * 8, c10), _mm256_store_pd(t + 1 * 8 + 4, c11);
  _mm256_store_pd(t + 2 * 8, c20), _mm256_store_pd(t + 2 * 8 + 4, c21);
  _mm256_store_pd(t + 3 * 8, c30), _mm256_store_pd(t + 3 * 8 + 4, c31);
  _mm256_store_pd(t + 4 * 8, c40), _mm256_store_pd(t + 4 * 8 + 4, c41);
  _mm256_store_pd(t + 5 * 8, c50), _mm256_store_pd(t + 5 * 8 + 4, c51);
  for (int64_t i = 0; i < m; ++i) {
    double* ci = c + i * ldc;
    const double* ti = t + i * 8;
    if (beta_zero) {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * ti[j];
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * ti[j] + beta * ci[j];
    }
  }
}

// ---- dot4 (skinny path) ------------------------------------------------------------------

static inline float hsum_f32(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline double hsum_f64(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}

// Two vectors of each dot in flight: eight independent FMA chains.
void dot4_f32(const float* x, const float* const* y, int64_t n, float* out) {
  const float *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
  __m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + 16 <= n; p += 16) {
    const __m256 v = _mm256_loadu_ps(x + p), w = _mm256_loadu_ps(x + p + 8);
    a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(y0 + p), a0);
    b0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(y0 + p + 8), b0);
    a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(y1 + p), a1);
    b1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(y1 + p + 8), b1);
    a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(y2 + p), a2);
    b2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(y2 + p + 8), b2);
    a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(y3 + p), a3);
    b3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(y3 + p + 8), b3);
  }
  float s0 = hsum_f32(_mm256_add_ps(a0, b0)), s1 = hsum_f32(_mm256_add_ps(a1, b1));
  float s2 = hsum_f32(_mm256_add_ps(a2, b2)), s3 = hsum_f32(_mm256_add_ps(a3, b3));
  for (; p < n; ++p) {
    const float v = x[p];
    s0 += v * y0[p], s1 += v * y1[p], s2 += v * y2[p], s3 += v * y3[p];
  }
  out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

void dot4_f64(const double* x, const double* const* y, int64_t n, double* out) {
  const double *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
  __m256d b0 = _mm256_setzero_pd(), b1 = _mm256_setzero_pd();
  __m256d b2 = _mm256_setzero_pd(), b3 = _mm256_setzero_pd();
  int64_t p = 0;
  for (; p + 8 <= n; p += 8) {
    const __m256d v = _mm256_loadu_pd(x + p), w = _mm256_loadu_pd(x + p + 4);
    a0 = _mm256_fmadd_pd(v, _mm256_loadu_pd(y0 + p), a0);
    b0 = _mm256_fmadd_pd(w, _mm256_loadu_pd(y0 + p + 4), b0);
    a1 = _mm256_fmadd_pd(v, _mm256_loadu_pd(y1 + p), a1);
    b1 = _mm256_fmadd_pd(w, _mm256_loadu_pd(y1 + p + 4), b1);
    a2 = _mm256_fmadd_pd(v, _mm256_loadu_pd(y2 + p), a2);
    b2 = _mm256_fmadd_pd(w, _mm256_loadu_pd(y2 + p + 4), b2);
    a3 = _mm256_fmadd_pd(v, _mm256_loadu_pd(y3 + p), a3);
    b3 = _mm256_fmadd_pd(w, _mm256_loadu_pd(y3 + p + 4), b3);
  }
  double s0 = hsum_f64(_mm256_add_pd(a0, b0)), s1 = hsum_f64(_mm256_add_pd(a1, b1));
  double s2 = hsum_f64(_mm256_add_pd(a2, b2)), s3 = hsum_f64(_mm256_add_pd(a3, b3));
  for (; p < n; ++p) {
    const double v = x[p];
    s0 += v * y0[p], s1 += v * y1[p], s2 += v * y2[p], s3 += v * y3[p];
  }
  out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
}

void axpy_f32(int64_t n, float v, const float* x, float* y) {
  const __m256 vv = _mm256_set1_ps(v);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vv, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    _mm256_storeu_ps(y + i + 8,
                     _mm256_fmadd_ps(vv, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8)));
    _mm256_storeu_ps(y + i + 16,
                     _mm256_fmadd_ps(vv, _mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16)));
    _mm256_storeu_ps(y + i + 24,
                     _mm256_fmadd_ps(vv, _mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24)));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vv, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += v * x[i];
}

void axpy_f64(int64_t n, double v, const double* x, double* y) {
  const __m256d vv = _mm256_set1_pd(v);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(vv, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
    _mm256_storeu_pd(y + i + 4,
                     _mm256_fmadd_pd(vv, _mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4)));
    _mm256_storeu_pd(y + i + 8,
                     _mm256_fmadd_pd(vv, _mm256_loadu_pd(x + i + 8), _mm256_loadu_pd(y + i + 8)));
    _mm256_storeu_pd(y + i + 12,
                     _mm256_fmadd_pd(vv, _mm256_loadu_pd(x + i + 12), _mm256_loadu_pd(y + i + 12)));
  }
  for (; i + 4 <= n; i += 4)
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(vv, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
  for (; i < n; ++i) y[i] += v * x[i];
}

}  // namespace

// Blocking: B micro-panel kc*nr (16 KiB) stays in a 32 KiB L1d; the A block mc*kc
// (float: 144 KiB) in a 512 KiB-2 MiB L2; the B block kc*nc (4 MiB) in L3.
GemmKernel<float> gemm_kernel_avx2_f32() { return {6, 16, 144, 256, 4080, &ukernel_f32_6x16, &dot4_f32, &axpy_f32}; }
GemmKernel<double> gemm_kernel_avx2_f64() { return {6, 8, 72, 256, 2040, &ukernel_f64_6x8, &dot4_f64, &axpy_f64}; }

}  // namespace detail
}  // namespace deepgrad
