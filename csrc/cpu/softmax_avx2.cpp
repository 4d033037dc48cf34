// AVX2/FMA exp-and-sum for the attention softmax (compiled with -mavx2 -mfma; used only when dispatch.cpp finds
// both); the exp itself is simd_exp_avx2.h's.
#include <immintrin.h>

#include "simd_exp_avx2.h"
#include "softmax_simd.h"

namespace deepgrad {
namespace detail {

float exp_shift_sum_avx2(float* row, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= n; c += 8) {
    const __m256 e = exp_or_zero8(_mm256_sub_ps(_mm256_loadu_ps(row + c), s));
    _mm256_storeu_ps(row + c, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (c < n) {  // the tail through a masked load/store
    alignas(32) int32_t lanes[8];
    for (int i = 0; i < 8; ++i) lanes[i] = c + i < n ? -1 : 0;
    const __m256i m = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
    const __m256 e = _mm256_and_ps(exp_or_zero8(_mm256_sub_ps(_mm256_maskload_ps(row + c, m), s)),
                                   _mm256_castsi256_ps(m));
    _mm256_maskstore_ps(row + c, m, e);
    acc = _mm256_add_ps(acc, e);
  }
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 h2 = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(h2, _mm_shuffle_ps(h2, h2, 1)));
}

}  // namespace detail
}  // namespace deepgrad
