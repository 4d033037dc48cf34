// AVX2/FMA gate arithmetic of the LSTM (compiled with -mavx2 -mfma; used only when dispatch.cpp finds both).
// Same formulas as lstm.cpp's portable loops: sigmoid(x) = 1 / (1 + e^-x), tanh(x) = 1 - 2 / (e^2x + 1).
#include <immintrin.h>

#include "lstm_simd.h"
#include "simd_exp_avx2.h"

namespace deepgrad {
namespace detail {
namespace {

inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_or_zero8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

inline __m256 tanh8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e2x = exp_or_zero8(_mm256_add_ps(x, x));
  return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e2x, one)));
}

}  // namespace

int64_t lstm_gates_forward_avx2(float* g, float* c, float* h, const float* c_prev, int64_t H) {
  float* gi = g;
  float* gf = g + H;
  float* gg = g + 2 * H;
  float* go = g + 3 * H;
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 i = sigmoid8(_mm256_loadu_ps(gi + j)), f = sigmoid8(_mm256_loadu_ps(gf + j));
    const __m256 gt = tanh8(_mm256_loadu_ps(gg + j)), o = sigmoid8(_mm256_loadu_ps(go + j));
    const __m256 ct = _mm256_fmadd_ps(f, _mm256_loadu_ps(c_prev + j), _mm256_mul_ps(i, gt));
    _mm256_storeu_ps(gi + j, i);
    _mm256_storeu_ps(gf + j, f);
    _mm256_storeu_ps(gg + j, gt);
    _mm256_storeu_ps(go + j, o);
    _mm256_storeu_ps(c + j, ct);
    _mm256_storeu_ps(h + j, _mm256_mul_ps(o, tanh8(ct)));
  }
  return j;
}

int64_t lstm_gates_backward_avx2(float* dg, float* dc, const float* dh, const float* g, const float* c,
                                 const float* c_prev, int64_t H) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 dht = _mm256_loadu_ps(dh + j);
    const __m256 i = _mm256_loadu_ps(g + j), f = _mm256_loadu_ps(g + H + j);
    const __m256 gt = _mm256_loadu_ps(g + 2 * H + j), o = _mm256_loadu_ps(g + 3 * H + j);
    const __m256 tc = tanh8(_mm256_loadu_ps(c + j));
    const __m256 dho = _mm256_mul_ps(dht, o);
    const __m256 dct = _mm256_fmadd_ps(dho, _mm256_fnmadd_ps(tc, tc, one), _mm256_loadu_ps(dc + j));
    _mm256_storeu_ps(dg + 3 * H + j, _mm256_mul_ps(_mm256_mul_ps(dht, tc), _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
    _mm256_storeu_ps(dg + j, _mm256_mul_ps(_mm256_mul_ps(dct, gt), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
    _mm256_storeu_ps(dg + H + j, _mm256_mul_ps(_mm256_mul_ps(dct, _mm256_loadu_ps(c_prev + j)),
                                               _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
    _mm256_storeu_ps(dg + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dct, i), _mm256_fnmadd_ps(gt, gt, one)));
    _mm256_storeu_ps(dc + j, _mm256_mul_ps(dct, f));
  }
  return j;
}

}  // namespace detail
}  // namespace deepgrad
