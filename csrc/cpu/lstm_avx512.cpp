// AVX-512 forward gate arithmetic of the LSTM (compiled with -mavx512f; used only when dispatch.cpp finds
// AVX-512F). Same formulas as lstm_avx2.cpp: sigmoid(x) = 1 / (1 + e^-x), tanh(x) = 1 - 2 / (e^2x + 1); the
// forward's five exponentials per element are most of a small layer's time outside its products, and AVX-512 has
// the pieces to make each cheaper: vscalefps puts 2^n into the result in one instruction (AVX2: convert, add,
// shift, multiply) and vrcp14ps + one Newton step replaces the division (14 -> ~23 correct bits, within 2 ulp of
// the quotient). NaN inputs stay NaN (min/max take x as the operand they return for NaN).
//
// No std headers or inline library templates here (see gemm_ukernel.h).
#include <immintrin.h>

#include "lstm_simd.h"

namespace deepgrad {
namespace detail {
namespace {

// e^x for x in [-88, 88] (clamped; NaN passes through): Cody-Waite reduction, Cephes' degree-6 polynomial.
inline __m512 exp16(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-88.0f), _mm512_min_ps(_mm512_set1_ps(88.0f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// 1 / d for d >= 1 (finite): reciprocal estimate and one Newton step.
inline __m512 recip16(__m512 d) {
  const __m512 r = _mm512_rcp14_ps(d);
  return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
}

inline __m512 sigmoid16(__m512 x) {
  return recip16(_mm512_add_ps(_mm512_set1_ps(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

inline __m512 tanh16(__m512 x) {
  const __m512 q = recip16(_mm512_add_ps(exp16(_mm512_add_ps(x, x)), _mm512_set1_ps(1.0f)));
  return _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), q, _mm512_set1_ps(1.0f));
}

}  // namespace

int64_t lstm_gates_forward_avx512(float* g, float* c, float* h, const float* c_prev, int64_t H) {
  float* gi = g;
  float* gf = g + H;
  float* gg = g + 2 * H;
  float* go = g + 3 * H;
  int64_t j = 0;
  for (; j + 16 <= H; j += 16) {
    const __m512 i = sigmoid16(_mm512_loadu_ps(gi + j)), f = sigmoid16(_mm512_loadu_ps(gf + j));
    const __m512 gt = tanh16(_mm512_loadu_ps(gg + j)), o = sigmoid16(_mm512_loadu_ps(go + j));
    const __m512 ct = _mm512_fmadd_ps(f, _mm512_loadu_ps(c_prev + j), _mm512_mul_ps(i, gt));
    _mm512_storeu_ps(gi + j, i);
    _mm512_storeu_ps(gf + j, f);
    _mm512_storeu_ps(gg + j, gt);
    _mm512_storeu_ps(go + j, o);
    _mm512_storeu_ps(c + j, ct);
    _mm512_storeu_ps(h + j, _mm512_mul_ps(o, tanh16(ct)));
  }
  return j;
}

}  // namespace detail
}  // namespace deepgrad
