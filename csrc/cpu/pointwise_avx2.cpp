// AVX2/FMA versions of pointwise.cpp's float32 loops (compiled with -mavx2 -mfma; used only when dispatch.cpp
// finds both). Same formulas as the portable loops there.
#include <immintrin.h>

#include "dropout_simd.h"
#include "pointwise_simd.h"
#include "simd_exp_avx2.h"

namespace deepgrad {
namespace detail {
namespace {

const float kInvSqrt2 = 0.70710678118654752f;
const float kInvSqrt2Pi = 0.39894228040143268f;
const float kSqrt2OverPi = 0.79788456080286536f;
const float kTanhCubic = 0.044715f;

inline __m256 abs8(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// For a >= 0: erfc(a) = t exp(-a^2 + P(t)), t = 2 / (2 + a), P of degree 9 (Numerical Recipes' erfcc, a Chebyshev
// fit): relative error below 1.2e-7 everywhere, so the far tails (GELU's x << 0) stay accurate.
inline __m256 erfc_nonneg8(__m256 a) {
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(_mm256_set1_ps(2.0f), a));
  __m256 p = _mm256_set1_ps(0.17087277f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
  return _mm256_mul_ps(t, exp_or_zero8(_mm256_fnmadd_ps(a, a, p)));
}

// 1 + erf(z), without the cancellation of forming erf first where z < 0.
inline __m256 one_plus_erf8(__m256 z) {
  const __m256 q = erfc_nonneg8(abs8(z));
  const __m256 negative = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0f), q), q, negative);
}

// erf(z) as z P(z^2) / Q(z^2) on z clamped to [-4, 4] (Eigen's float erf, a rational minimax fit): no exp, no
// branch, absolute error below 5e-7 in float32. 1 + erf from it loses relative accuracy where erf ~ -1, so the
// GELU loops take it only for vectors with every z >= kFastErfFloor (1 + erf >= 4.7e-3, relative error <= 6e-5);
// others (about 2% of vectors of N(0, 1) inputs) go through erfc_nonneg8.
const float kFastErfFloor = -2.0f;
inline __m256 erf_rational8(__m256 z) {
  z = _mm256_min_ps(_mm256_max_ps(z, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  const __m256 z2 = _mm256_mul_ps(z, z);
  __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(2.77068142495902e-08f));
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.10102402082508e-06f));
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-5.69250639462346e-05f));
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-7.34990630326855e-04f));
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.95459980854025e-03f));
  p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-1.60960333262415e-02f));
  __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
  q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-2.13374055278905e-04f));
  q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.68282697438203e-03f));
  q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-7.37332916720468e-03f));
  q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.42647390514189e-02f));
  return _mm256_div_ps(_mm256_mul_ps(z, p), q);
}

// 1 + erf(z): the rational form where every lane is above the floor, else the cancellation-free one.
inline __m256 one_plus_erf_fast8(__m256 z) {
  if (_mm256_movemask_ps(_mm256_cmp_ps(z, _mm256_set1_ps(kFastErfFloor), _CMP_NGE_UQ)) != 0) return one_plus_erf8(z);
  return _mm256_add_ps(_mm256_set1_ps(1.0f), erf_rational8(z));
}

// The tanh form's inner u = sqrt(2/pi) (x + 0.044715 x^3) and e^(2u): 1 + tanh u = 2 e / (e + 1).
inline __m256 exp_2u8(__m256 x) {
  const __m256 x2 = _mm256_mul_ps(x, x);
  const __m256 u = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPi),
                                 _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(kTanhCubic), x2), x, x));
  return exp_or_zero8(_mm256_add_ps(u, u));
}

}  // namespace

// erf(x) = x P(x^2) for |x| < 0.5 (pointwise.cpp's erf_small: the Taylor series to x^13).
inline __m256 erf_small8(__m256 x) {
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(1.2055332981789664e-4f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-8.5483270234508e-4f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(5.2239776254421e-3f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-2.6866170645131e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.1283791670955e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.7612638903184e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.1283791670955e+0f));
  return _mm256_mul_ps(x, p);
}

int64_t erf_avx2(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 a = abs8(v);
    const __m256 q = erfc_nonneg8(a);
    const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
    const __m256 large = _mm256_or_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), q), sign);
    const __m256 small = _mm256_cmp_ps(a, _mm256_set1_ps(0.5f), _CMP_LT_OQ);
    _mm256_storeu_ps(y + i, _mm256_blendv_ps(large, erf_small8(v), small));
  }
  return i;
}

int64_t gelu_forward_avx2(float* y, const float* x, int64_t n, bool tanh_approx) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 cdf2;  // 2 * Phi(x)
    if (tanh_approx) {
      const __m256 e = exp_2u8(v);
      cdf2 = _mm256_div_ps(_mm256_add_ps(e, e), _mm256_add_ps(e, one));
      cdf2 = _mm256_blendv_ps(cdf2, _mm256_set1_ps(2.0f), _mm256_cmp_ps(e, _mm256_set1_ps(1e30f), _CMP_GT_OQ));
    } else {
      cdf2 = one_plus_erf_fast8(_mm256_mul_ps(v, _mm256_set1_ps(kInvSqrt2)));
    }
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(half, v), cdf2));
  }
  return i;
}

int64_t gelu_backward_avx2(float* dx, const float* dy, const float* x, int64_t n, bool tanh_approx) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 slope;
    if (tanh_approx) {
      // d/dx [x (1 + tanh u) / 2] = (1 + tanh u) / 2 + x (1 - tanh^2 u) u' / 2, with 1 + tanh u = 2e/(e+1) and
      // 1 - tanh u = 2/(e+1)
      const __m256 e = exp_2u8(v);
      const __m256 big = _mm256_cmp_ps(e, _mm256_set1_ps(1e30f), _CMP_GT_OQ);
      const __m256 inv = _mm256_div_ps(one, _mm256_add_ps(e, one));
      const __m256 plus = _mm256_blendv_ps(_mm256_mul_ps(_mm256_add_ps(e, e), inv), _mm256_set1_ps(2.0f), big);
      const __m256 minus = _mm256_blendv_ps(_mm256_add_ps(inv, inv), _mm256_setzero_ps(), big);
      const __m256 du = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPi),
                                      _mm256_fmadd_ps(_mm256_set1_ps(3 * kTanhCubic), _mm256_mul_ps(v, v), one));
      const __m256 sech2 = _mm256_mul_ps(plus, minus);  // 1 - tanh^2 u
      slope = _mm256_mul_ps(half, _mm256_fmadd_ps(_mm256_mul_ps(v, sech2), du, plus));
    } else {
      // Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
      const __m256 cdf = _mm256_mul_ps(half, one_plus_erf_fast8(_mm256_mul_ps(v, _mm256_set1_ps(kInvSqrt2))));
      const __m256 e = exp_or_zero8(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(v, v)));
      slope = _mm256_fmadd_ps(_mm256_mul_ps(v, _mm256_set1_ps(kInvSqrt2Pi)), e, cdf);
    }
    _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), slope));
  }
  return i;
}

void dropout_block_avx2(float* y, float* mask, const float* x, int32_t len, uint32_t first, uint32_t lo,
                        uint32_t key, uint32_t threshold, float scale) {
  dropout_block<float>(y, mask, x, len, first, lo, key, threshold, scale);  // the same loop, with vpmulld
}

}  // namespace detail
}  // namespace deepgrad
