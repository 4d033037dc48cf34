// AVX-512 micro-kernel for products with few rows (compiled with -mavx512f; used only when dispatch.cpp
// finds AVX-512F on the CPU): C[0:m, 0:n] (m <= 8) against a B panel packed for the whole K, 8 rows x two
// zmm vectors = 16 accumulators (float: 8 x 32, double: 8 x 16), A read in place by broadcasts.
//
// This is the LSTM's per-step product h_{t-1} @ W_hh^T with a batch of 8 (and its backward twin): the
// packed panel streams through once, and each B row feeds 16 FMAs against 2 loads, where the dot-product
// form (gemm_skinny) re-reads its A vectors from L2 for every group of rows and tops out near half of the
// FMA peak. 32 zmm registers make the 8-row tile possible; AVX2's 16 do not.
//
// No std headers or inline library templates here (see gemm_ukernel.h).
#include <immintrin.h>

#include "gemm_ukernel.h"

namespace deepgrad {
namespace detail {
namespace {

struct Z32 {
  using T = float;
  using V = __m512;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const T* p) { return _mm512_loadu_ps(p); }
  static V set1(T v) { return _mm512_set1_ps(v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static void store(T* p, V v) { _mm512_storeu_ps(p, v); }
};

struct Z64 {
  using T = double;
  using V = __m512d;
  static constexpr int W = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const T* p) { return _mm512_loadu_pd(p); }
  static V set1(T v) { return _mm512_set1_pd(v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static void store(T* p, V v) { _mm512_storeu_pd(p, v); }
};

constexpr int kRows = 8;

// c[0:n] = alpha*acc + beta*c[0:n] for one row (beta == 0: c not read); n < 2W goes through a buffer.
template <typename S>
inline void store_row(typename S::T* c, typename S::V lo, typename S::V hi, typename S::T alpha,
                      typename S::T beta, int64_t n) {
  using T = typename S::T;
  const typename S::V va = S::set1(alpha);
  lo = S::mul(lo, va);
  hi = S::mul(hi, va);
  if (n == 2 * S::W) {
    if (beta != T(0)) {
      const typename S::V vb = S::set1(beta);
      lo = S::fma(vb, S::load(c), lo);
      hi = S::fma(vb, S::load(c + S::W), hi);
    }
    S::store(c, lo);
    S::store(c + S::W, hi);
    return;
  }
  alignas(64) T row[2 * S::W];
  S::store(row, lo);
  S::store(row + S::W, hi);
  for (int64_t j = 0; j < n; ++j) c[j] = beta == T(0) ? row[j] : row[j] + beta * c[j];
}

// A(i, p) = a[i*rs_a + p*cs_a] for i < m (rows past m repeat row 0: computed and dropped); row p of the
// panel is b[p*rs_b : p*rs_b + 2W].
template <typename S>
void tile_8(int64_t kc, const typename S::T* __restrict a, int64_t rs_a, int64_t cs_a,
            const typename S::T* __restrict b, int64_t rs_b, typename S::T* __restrict c, int64_t ldc,
            typename S::T alpha, typename S::T beta, int64_t m, int64_t n) {
  using T = typename S::T;
  using V = typename S::V;
  const T* rows[kRows];
  for (int i = 0; i < kRows; ++i) rows[i] = a + (i < m ? i : 0) * rs_a;
  V lo[kRows], hi[kRows];
  for (int i = 0; i < kRows; ++i) lo[i] = hi[i] = S::zero();
  int64_t o = 0;
  for (int64_t p = 0; p < kc; ++p) {
    const V b0 = S::load(b), b1 = S::load(b + S::W);
    for (int i = 0; i < kRows; ++i) {
      const V av = S::set1(rows[i][o]);
      lo[i] = S::fma(av, b0, lo[i]);
      hi[i] = S::fma(av, b1, hi[i]);
    }
    o += cs_a;
    b += rs_b;
  }
  for (int i = 0; i < kRows && i < m; ++i) store_row<S>(c + i * ldc, lo[i], hi[i], alpha, beta, n);
}

void tile_f32_8x32(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t rs_b,
                   float* c, int64_t ldc, float alpha, float beta, int64_t m, int64_t n) {
  tile_8<Z32>(kc, a, rs_a, cs_a, b, rs_b, c, ldc, alpha, beta, m, n);
}
void tile_f64_8x16(int64_t kc, const double* a, int64_t rs_a, int64_t cs_a, const double* b, int64_t rs_b,
                   double* c, int64_t ldc, double alpha, double beta, int64_t m, int64_t n) {
  tile_8<Z64>(kc, a, rs_a, cs_a, b, rs_b, c, ldc, alpha, beta, m, n);
}

}  // namespace

GemmFewRows<float> gemm_few_rows_avx512_f32() { return {8, 32, &tile_f32_8x32}; }
GemmFewRows<double> gemm_few_rows_avx512_f64() { return {8, 16, &tile_f64_8x16}; }

}  // namespace detail
}  // namespace deepgrad
