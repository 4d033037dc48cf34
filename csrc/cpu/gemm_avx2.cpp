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

// Lane masks for the first n (0..8) floats of a vector.
static inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// c[0:n] = alpha*acc + beta*c[0:n] for one row of the tile (n <= 16; beta == 0: c not read).
static inline void store_row_f32(float* c, __m256 lo, __m256 hi, __m256 valpha, __m256 vbeta,
                                 bool beta_zero, int64_t n, __m256i mlo, __m256i mhi) {
  lo = _mm256_mul_ps(lo, valpha);
  hi = _mm256_mul_ps(hi, valpha);
  if (n == 16) {
    if (!beta_zero) {
      lo = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c), lo);
      hi = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + 8), hi);
    }
    _mm256_storeu_ps(c, lo);
    _mm256_storeu_ps(c + 8, hi);
    return;
  }
  if (!beta_zero) {
    lo = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(c, mlo), lo);
    hi = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(c + 8, mhi), hi);
  }
  _mm256_maskstore_ps(c, mlo, lo);
  _mm256_maskstore_ps(c + 8, mhi, hi);
}

// A tile of C is read and written only after the k loop: asking for its lines first lets the loop hide their
// latency (C is large and cold in big products).
template <typename T>
static inline void prefetch_tile(const T* c, int64_t ldc, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + n - 1), _MM_HINT_T0);
  }
}

// The 6 x 16 tile C[0:m, 0:n] (m <= 6, n <= 16) = alpha * sum_p A(i, p) * b[p*16 + j] + beta*C.
// kPacked: A(i, p) = a[p*6 + i], a packed micro-panel (rows past m are zero padding).
// Otherwise A(i, p) = a[i*rs_a + p*cs_a] read straight from the caller's matrix; rows past m
// repeat row 0 (their sums are computed and dropped), so nothing outside A is read; and row p
// of the B panel is at b + p*rs_b (rs_b = 16 for a packed panel, ldb for B read in place).
template <bool kPacked>
static inline void tile_f32_6x16(int64_t kc, const float* __restrict a, int64_t rs_a,
                                 int64_t cs_a, const float* __restrict b, int64_t rs_b,
                                 float* __restrict c,
                                 int64_t ldc, float alpha, float beta, int64_t m, int64_t n) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

  prefetch_tile(c, ldc, m, n);
  const int64_t step = kPacked ? 6 : cs_a;
  const float* a0 = a;
  const float* a1 = kPacked ? a + 1 : a + (m > 1 ? rs_a : 0);
  const float* a2 = kPacked ? a + 2 : a + (m > 2 ? 2 * rs_a : 0);
  const float* a3 = kPacked ? a + 3 : a + (m > 3 ? 3 * rs_a : 0);
  const float* a4 = kPacked ? a + 4 : a + (m > 4 ? 4 * rs_a : 0);
  const float* a5 = kPacked ? a + 5 : a + (m > 5 ? 5 * rs_a : 0);
  int64_t o = 0;
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a0 + o);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a1 + o);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a2 + o);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a3 + o);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a4 + o);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a5 + o);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    o += step;
    b += kPacked ? 16 : rs_b;
  }

  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 vbeta = _mm256_set1_ps(beta);
  const bool beta_zero = (beta == 0.0f);
  const __m256i mlo = first_lanes(n < 8 ? n : 8);
  const __m256i mhi = first_lanes(n > 8 ? n - 8 : 0);
  store_row_f32(c, c00, c01, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 1) store_row_f32(c + 1 * ldc, c10, c11, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 2) store_row_f32(c + 2 * ldc, c20, c21, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 3) store_row_f32(c + 3 * ldc, c30, c31, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 4) store_row_f32(c + 4 * ldc, c40, c41, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 5) store_row_f32(c + 5 * ldc, c50, c51, valpha, vbeta, beta_zero, n, mlo, mhi);
}

void ukernel_f32_6x16(int64_t kc, const float* __restrict a, const float* __restrict b,
                      float* __restrict c, int64_t ldc, float alpha, float beta, int64_t m,
                      int64_t n) {
  tile_f32_6x16<true>(kc, a, 1, 6, b, 16, c, ldc, alpha, beta, m, n);
}

void ukernel_f32_6x16_ua(int64_t kc, const float* __restrict a, int64_t rs_a, int64_t cs_a,
                         const float* __restrict b, int64_t rs_b, float* __restrict c,
                         int64_t ldc, float alpha, float beta, int64_t m, int64_t n) {
  tile_f32_6x16<false>(kc, a, rs_a, cs_a, b, rs_b, c, ldc, alpha, beta, m, n);
}

// ---- double, 6 x 8 ---------------------------------------------------------------------

static inline __m256i first_lanes_f64(int64_t n) {  // first n (0..4) doubles
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

static inline void store_row_f64(double* c, __m256d lo, __m256d hi, __m256d valpha,
                                 __m256d vbeta, bool beta_zero, int64_t n, __m256i mlo,
                                 __m256i mhi) {
  lo = _mm256_mul_pd(lo, valpha);
  hi = _mm256_mul_pd(hi, valpha);
  if (n == 8) {
    if (!beta_zero) {
      lo = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(c), lo);
      hi = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(c + 4), hi);
    }
    _mm256_storeu_pd(c, lo);
    _mm256_storeu_pd(c + 4, hi);
    return;
  }
  if (!beta_zero) {
    lo = _mm256_fmadd_pd(vbeta, _mm256_maskload_pd(c, mlo), lo);
    hi = _mm256_fmadd_pd(vbeta, _mm256_maskload_pd(c + 4, mhi), hi);
  }
  _mm256_maskstore_pd(c, mlo, lo);
  _mm256_maskstore_pd(c + 4, mhi, hi);
}

// As tile_f32_6x16, for a 6 x 8 tile of doubles.
template <bool kPacked>
static inline void tile_f64_6x8(int64_t kc, const double* __restrict a, int64_t rs_a,
                                 int64_t cs_a, const double* __restrict b, int64_t rs_b,
                                 double* __restrict c,
                                int64_t ldc, double alpha, double beta, int64_t m, int64_t n) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();

  prefetch_tile(c, ldc, m, n);
  const int64_t step = kPacked ? 6 : cs_a;
  const double* a0 = a;
  const double* a1 = kPacked ? a + 1 : a + (m > 1 ? rs_a : 0);
  const double* a2 = kPacked ? a + 2 : a + (m > 2 ? 2 * rs_a : 0);
  const double* a3 = kPacked ? a + 3 : a + (m > 3 ? 3 * rs_a : 0);
  const double* a4 = kPacked ? a + 4 : a + (m > 4 ? 4 * rs_a : 0);
  const double* a5 = kPacked ? a + 5 : a + (m > 5 ? 5 * rs_a : 0);
  int64_t o = 0;
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_loadu_pd(b);
    const __m256d b1 = _mm256_loadu_pd(b + 4);
    __m256d av;
    av = _mm256_broadcast_sd(a0 + o);
    c00 = _mm256_fmadd_pd(av, b0, c00);
    c01 = _mm256_fmadd_pd(av, b1, c01);
    av = _mm256_broadcast_sd(a1 + o);
    c10 = _mm256_fmadd_pd(av, b0, c10);
    c11 = _mm256_fmadd_pd(av, b1, c11);
    av = _mm256_broadcast_sd(a2 + o);
    c20 = _mm256_fmadd_pd(av, b0, c20);
    c21 = _mm256_fmadd_pd(av, b1, c21);
    av = _mm256_broadcast_sd(a3 + o);
    c30 = _mm256_fmadd_pd(av, b0, c30);
    c31 = _mm256_fmadd_pd(av, b1, c31);
    av = _mm256_broadcast_sd(a4 + o);
    c40 = _mm256_fmadd_pd(av, b0, c40);
    c41 = _mm256_fmadd_pd(av, b1, c41);
    av = _mm256_broadcast_sd(a5 + o);
    c50 = _mm256_fmadd_pd(av, b0, c50);
    c51 = _mm256_fmadd_pd(av, b1, c51);
    o += step;
    b += kPacked ? 8 : rs_b;
  }

  const __m256d valpha = _mm256_set1_pd(alpha);
  const __m256d vbeta = _mm256_set1_pd(beta);
  const bool beta_zero = (beta == 0.0);
  const __m256i mlo = first_lanes_f64(n < 4 ? n : 4);
  const __m256i mhi = first_lanes_f64(n > 4 ? n - 4 : 0);
  store_row_f64(c, c00, c01, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 1) store_row_f64(c + 1 * ldc, c10, c11, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 2) store_row_f64(c + 2 * ldc, c20, c21, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 3) store_row_f64(c + 3 * ldc, c30, c31, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 4) store_row_f64(c + 4 * ldc, c40, c41, valpha, vbeta, beta_zero, n, mlo, mhi);
  if (m > 5) store_row_f64(c + 5 * ldc, c50, c51, valpha, vbeta, beta_zero, n, mlo, mhi);
}

void ukernel_f64_6x8(int64_t kc, const double* __restrict a, const double* __restrict b,
                     double* __restrict c, int64_t ldc, double alpha, double beta, int64_t m,
                     int64_t n) {
  tile_f64_6x8<true>(kc, a, 1, 6, b, 8, c, ldc, alpha, beta, m, n);
}

void ukernel_f64_6x8_ua(int64_t kc, const double* __restrict a, int64_t rs_a, int64_t cs_a,
                        const double* __restrict b, int64_t rs_b, double* __restrict c,
                        int64_t ldc, double alpha, double beta, int64_t m, int64_t n) {
  tile_f64_6x8<false>(kc, a, rs_a, cs_a, b, rs_b, c, ldc, alpha, beta, m, n);
}

// ---- packing op(B) when B is stored transposed -----------------------------------------
// dst[p*nr + j] = src[j*ldb + p] for p < kc, j < n (zero for n <= j < nr): a transpose, done
// in 8x8 (float) or 4x4 (double) register blocks instead of one element at a time.

// Transposes rows r[0..7] in place: r[p] becomes (r0[p], ..., r7[p]).
static inline void transpose8_f32(__m256* r) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

void pack_bt_f32(float* __restrict dst, const float* __restrict src, int64_t ldb, int64_t kc,
                 int64_t n) {
  constexpr int NR = 16;
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (int h = 0; h < 2; ++h) {  // columns 8h .. 8h+7 of the panel
      __m256 r[8];
      for (int j = 0; j < 8; ++j) {
        const int64_t jj = 8 * h + j;
        r[j] = jj < n ? _mm256_loadu_ps(src + jj * ldb + p) : _mm256_setzero_ps();
      }
      transpose8_f32(r);
      for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * NR + 8 * h, r[q]);
    }
  }
  for (; p < kc; ++p)
    for (int64_t j = 0; j < NR; ++j) dst[p * NR + j] = j < n ? src[j * ldb + p] : 0.0f;
}

void pack_bt_f64(double* __restrict dst, const double* __restrict src, int64_t ldb, int64_t kc,
                 int64_t n) {
  constexpr int NR = 8;
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    for (int h = 0; h < 2; ++h) {  // columns 4h .. 4h+3 of the panel
      __m256d r[4];
      for (int j = 0; j < 4; ++j) {
        const int64_t jj = 4 * h + j;
        r[j] = jj < n ? _mm256_loadu_pd(src + jj * ldb + p) : _mm256_setzero_pd();
      }
      const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
      const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
      _mm256_store_pd(dst + (p + 0) * NR + 4 * h, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_store_pd(dst + (p + 1) * NR + 4 * h, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_store_pd(dst + (p + 2) * NR + 4 * h, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_store_pd(dst + (p + 3) * NR + 4 * h, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
  }
  for (; p < kc; ++p)
    for (int64_t j = 0; j < NR; ++j) dst[p * NR + j] = j < n ? src[j * ldb + p] : 0.0;
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

// dot4x2 and axpy4 written once for both widths over these few operations.
struct F32 {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(T v) { return _mm256_set1_ps(v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static T hsum(V v) { return hsum_f32(v); }
  static void dot4(const T* x, const T* const* y, int64_t n, T* out) { dot4_f32(x, y, n, out); }
};
struct F64 {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V set1(T v) { return _mm256_set1_pd(v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V max(V a, V b) { return _mm256_max_pd(a, b); }
  static T hsum(V v) { return hsum_f64(v); }
  static void dot4(const T* x, const T* const* y, int64_t n, T* out) { dot4_f64(x, y, n, out); }
};

// NR rows against NV vectors: NR + NV loads feed NR * NV FMAs in as many independent chains
// (dot4: ten loads for eight FMAs), which keeps the FMA units rather than the load ports and
// the FMA latency the limit. 4 x 3 and 3 x 4 use all sixteen registers.
template <typename S, int NR, int NV>
void dot_rv(const typename S::T* x, int64_t ldx, const typename S::T* const* y, int64_t n,
            typename S::T* out, int64_t prefetch) {
  using T = typename S::T;
  using V = typename S::V;
  const T* xs[NV];
  for (int v = 0; v < NV; ++v) xs[v] = x + v * ldx;
  V acc[NV][NR];
  for (int v = 0; v < NV; ++v)
    for (int r = 0; r < NR; ++r) acc[v][r] = S::zero();
  int64_t p = 0;
  constexpr int64_t kLine = 64 / sizeof(T);  // elements per cache line
  for (; p + S::W <= n; p += S::W) {
    if (prefetch != 0 && p % kLine == 0) {
      for (int r = 0; r < NR; ++r) _mm_prefetch(reinterpret_cast<const char*>(y[r] + p + prefetch), _MM_HINT_T0);
    }
    V row[NR];
    for (int r = 0; r < NR; ++r) row[r] = S::load(y[r] + p);
    for (int v = 0; v < NV; ++v) {
      const V u = S::load(xs[v] + p);
      for (int r = 0; r < NR; ++r) acc[v][r] = S::fma(u, row[r], acc[v][r]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    for (int r = 0; r < NR; ++r) {
      T sum = S::hsum(acc[v][r]);
      for (int64_t q = p; q < n; ++q) sum += xs[v][q] * y[r][q];
      out[v * NR + r] = sum;
    }
  }
}

// out[v*nr + r] = (x + v*ldx) . y[r]: nr = 4 with nv = 1..3, or nr = 3 with nv = 4.
template <typename S>
void dot_xv(const typename S::T* x, int64_t ldx, int nv, const typename S::T* const* y, int nr,
            int64_t n, typename S::T* out, int64_t prefetch) {
  if (nr == 3) return dot_rv<S, 3, 4>(x, ldx, y, n, out, prefetch);
  if (nv == 3) return dot_rv<S, 4, 3>(x, ldx, y, n, out, prefetch);
  if (nv == 2) return dot_rv<S, 4, 2>(x, ldx, y, n, out, prefetch);
  S::dot4(x, y, n, out);  // one vector: two steps unrolled keep eight chains
}

// One load and store of y per four rows of x (axpy: per row).
template <typename S>
void axpy4(int64_t n, const typename S::T* v, const typename S::T* const* x, typename S::T* y) {
  using T = typename S::T;
  using V = typename S::V;
  const T *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  const V v0 = S::set1(v[0]), v1 = S::set1(v[1]), v2 = S::set1(v[2]), v3 = S::set1(v[3]);
  int64_t i = 0;
  for (; i + 2 * S::W <= n; i += 2 * S::W) {
    V c = S::load(y + i), d = S::load(y + i + S::W);
    c = S::fma(v0, S::load(x0 + i), c), d = S::fma(v0, S::load(x0 + i + S::W), d);
    c = S::fma(v1, S::load(x1 + i), c), d = S::fma(v1, S::load(x1 + i + S::W), d);
    c = S::fma(v2, S::load(x2 + i), c), d = S::fma(v2, S::load(x2 + i + S::W), d);
    c = S::fma(v3, S::load(x3 + i), c), d = S::fma(v3, S::load(x3 + i + S::W), d);
    S::store(y + i, c), S::store(y + i + S::W, d);
  }
  for (; i < n; ++i) y[i] += v[0] * x0[i] + v[1] * x1[i] + v[2] * x2[i] + v[3] * x3[i];
}

// See GemmEpilogue (gemm_ukernel.h). kBias: 0 none, 1 per column, 2 per row. max(0, v) returns v when v is NaN.
template <typename S, int kBias, bool kRelu>
void epilogue_rows(typename S::T* c, int64_t ldc, int64_t m, int64_t n, const typename S::T* bias) {
  using T = typename S::T;
  using V = typename S::V;
  const V zero = S::zero();
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    const V row_bias = kBias == 2 ? S::set1(bias[i]) : zero;
    auto one = [&](int64_t j) {
      V v = S::load(row + j);
      if (kBias == 1) v = S::add(v, S::load(bias + j));
      if (kBias == 2) v = S::add(v, row_bias);
      if (kRelu) v = S::max(zero, v);
      S::store(row + j, v);
    };
    if (n == 2 * S::W) {  // a whole micro-tile row (nr = two vectors): no loop
      one(0);
      one(S::W);
      continue;
    }
    int64_t j = 0;
    for (; j + S::W <= n; j += S::W) one(j);
    for (; j < n; ++j) {
      const T v = kBias == 1 ? row[j] + bias[j] : kBias == 2 ? row[j] + bias[i] : row[j];
      row[j] = kRelu && v < T(0) ? T(0) : v;
    }
  }
}

template <typename S>
void epilogue(typename S::T* c, int64_t ldc, int64_t m, int64_t n, const typename S::T* bias, bool per_row,
              bool relu) {
  if (bias != nullptr && per_row) {
    relu ? epilogue_rows<S, 2, true>(c, ldc, m, n, bias) : epilogue_rows<S, 2, false>(c, ldc, m, n, bias);
  } else if (bias != nullptr) {
    relu ? epilogue_rows<S, 1, true>(c, ldc, m, n, bias) : epilogue_rows<S, 1, false>(c, ldc, m, n, bias);
  } else if (relu) {
    epilogue_rows<S, 0, true>(c, ldc, m, n, bias);
  }
}

}  // namespace

// Blocking: B micro-panel kc*nr (16 KiB) stays in a 32 KiB L1d; the A block mc*kc
// (float: 144 KiB) in a 512 KiB-2 MiB L2; the B block kc*nc (4 MiB) in L3.
GemmKernel<float> gemm_kernel_avx2_f32() { return {6, 16, 144, 256, 4080, &ukernel_f32_6x16, &ukernel_f32_6x16_ua, &pack_bt_f32, &dot4_f32, &dot_xv<F32>, &axpy_f32, &axpy4<F32>, &epilogue<F32>}; }
GemmKernel<double> gemm_kernel_avx2_f64() { return {6, 8, 72, 256, 2040, &ukernel_f64_6x8, &ukernel_f64_6x8_ua, &pack_bt_f64, &dot4_f64, &dot_xv<F64>, &axpy_f64, &axpy4<F64>, &epilogue<F64>}; }

}  // namespace detail
}  // namespace deepgrad
