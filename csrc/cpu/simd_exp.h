// exp in a form `#pragma omp simd` vectorises (std::exp stays a scalar call), for the softmax-like kernels.
// Private to csrc/cpu.
#pragma once

#include <cmath>
#include <cstdint>

namespace deepgrad {
namespace detail {

// Cody-Waite range reduction to r in [-ln2/2, ln2/2], Cephes' degree-6 polynomial, 2^n put into the exponent
// bits; ~1 ulp. Inputs below -87 (where float exp underflows, including -inf) give exactly 0, so masked
// scores drop out of a softmax without a branch per element.
inline float exp_or_zero(float x) {
  const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float z = xc * 1.44269504088896341f;
  const float n = static_cast<float>(static_cast<int32_t>(z + (z >= 0.0f ? 0.5f : -0.5f)));  // round, vectorisable
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  const float scale = __builtin_bit_cast(float, bits);  // memcpy here would stop the vectoriser
  return x < -87.0f ? 0.0f : p * scale;
}

inline double exp_or_zero(double x) { return std::exp(x); }

}  // namespace detail
}  // namespace deepgrad
