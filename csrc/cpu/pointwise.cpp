#include "deepgrad/pointwise.h"

#include <cmath>
#include <cstdlib>

#include "deepgrad/dispatch.h"
#include "deepgrad/parallel.h"
#include "pointwise_simd.h"
#include "simd_exp.h"

namespace deepgrad {

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kTanhCubic = 0.044715;

// For a >= 0: erfc(a) = t exp(-a^2 + P(t)), t = 2 / (2 + a), P of degree 9 (Numerical Recipes' erfcc, a Chebyshev
// fit): relative error below 1.2e-7 everywhere, so the far tails (GELU's x << 0) stay accurate. The float32 path:
// std::erf is a scalar libm call and was a fifth of a transformer training step through GELU.
inline float erfc_nonneg(float a) {
  const float t = 2.0f / (2.0f + a);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * detail::exp_or_zero(p - a * a);
}

// 1 + erf(z) without the cancellation of forming erf first where z < 0 (GELU's left tail); *e gets exp(-z^2).
inline float one_plus_erf(float z, float* e) {
  *e = detail::exp_or_zero(-z * z);
  const float q = erfc_nonneg(z < 0.0f ? -z : z);
  return z < 0.0f ? q : 2.0f - q;
}
// float64 keeps libm: gradient checks compare it with the exact Gaussian density.
inline double one_plus_erf(double z, double* e) {
  *e = std::exp(-z * z);
  return std::erfc(-z);
}

// erf(x) = x P(x^2) for |x| < 0.5: the Taylor series to x^13, relative error below 1e-9 there, where 1 - erfc
// would keep only an absolute accuracy (erf(1e-5) off by 0.7%).
inline float erf_small(float x) {
  const float z = x * x;
  float p = 1.2055332981789664e-4f;  // 2/sqrt(pi) / 9360
  p = p * z - 8.5483270234508e-4f;    // - 2/sqrt(pi) / 1320
  p = p * z + 5.2239776254421e-3f;    // + 2/sqrt(pi) / 216
  p = p * z - 2.6866170645131e-2f;    // - 2/sqrt(pi) / 42
  p = p * z + 1.1283791670955e-1f;    // + 2/sqrt(pi) / 10
  p = p * z - 3.7612638903184e-1f;    // - 2/sqrt(pi) / 3
  p = p * z + 1.1283791670955e+0f;    // + 2/sqrt(pi)
  return x * p;
}

inline float erf_one(float x) {
  const float a = x < 0.0f ? -x : x;
  if (a < 0.5f) return erf_small(x);
  const float q = erfc_nonneg(a);
  return x < 0.0f ? q - 1.0f : 1.0f - q;
}
inline double erf_one(double x) { return std::erf(x); }

// 2 Phi(x) for GELU: the exact form through erf, or 1 + tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3) (tanh);
// *aux gets what the slope needs: exp(-x^2/2) (exact) or 1 - tanh u (tanh).
template <typename T>
inline T gelu_cdf2(T x, bool tanh_approx, T* aux) {
  if (tanh_approx) {  // 1 + tanh u = 2 / (1 + e^-2u) and 1 - tanh u = 2 e^-2u / (1 + e^-2u): no cancellation
    const T u = T(kSqrt2OverPi) * (x + T(kTanhCubic) * x * x * x);
    const T e = std::exp(T(-2) * u);
    const T inv = T(1) / (T(1) + e);
    *aux = std::isinf(e) ? T(2) : T(2) * e * inv;
    return T(2) * inv;
  }
  return one_plus_erf(x * T(kInvSqrt2), aux);
}

template <typename T>
inline T gelu_slope(T x, bool tanh_approx) {
  T aux;
  const T cdf2 = gelu_cdf2(x, tanh_approx, &aux);
  if (tanh_approx) {
    const T du = T(kSqrt2OverPi) * (T(1) + T(3 * kTanhCubic) * x * x);
    return T(0.5) * (cdf2 + x * (cdf2 * aux) * du);
  }
  return T(0.5) * cdf2 + x * T(kInvSqrt2Pi) * aux;
}

bool use_avx2_float() {
#if DEEPGRAD_HAVE_AVX2_TU
  return simd_level() >= SimdLevel::avx2;
#else
  return false;
#endif
}

// body(begin, end) over blocks of the n elements: threads only for large arrays, and one vectorised call per block.
template <typename F>
void for_blocks(int64_t n, F&& body) {
  constexpr int64_t kBlock = 16384;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int nt = threads_for(static_cast<double>(n), 4 * kBlock);
  parallel_for(blocks, nt, [&](int64_t b) {
    const int64_t begin = b * kBlock;
    body(begin, n - begin < kBlock ? n : begin + kBlock);
  });
}

}  // namespace

template <typename T>
void erf_forward(T* y, const T* x, int64_t n) {
  for_blocks(n, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#if DEEPGRAD_HAVE_AVX2_TU
    if (sizeof(T) == sizeof(float) && use_avx2_float()) {
      i += detail::erf_avx2(reinterpret_cast<float*>(y + begin), reinterpret_cast<const float*>(x + begin),
                            end - begin);
    }
#endif
    for (; i < end; ++i) y[i] = erf_one(x[i]);
  });
}

template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool tanh_approx) {
  for_blocks(n, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#if DEEPGRAD_HAVE_AVX2_TU
    if (sizeof(T) == sizeof(float) && use_avx2_float()) {
      i += detail::gelu_forward_avx2(reinterpret_cast<float*>(y + begin), reinterpret_cast<const float*>(x + begin),
                                     end - begin, tanh_approx);
    }
#endif
    for (; i < end; ++i) {
      T aux;
      y[i] = T(0.5) * x[i] * gelu_cdf2(x[i], tanh_approx, &aux);
    }
  });
}

template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool tanh_approx) {
  for_blocks(n, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#if DEEPGRAD_HAVE_AVX2_TU
    if (sizeof(T) == sizeof(float) && use_avx2_float()) {
      i += detail::gelu_backward_avx2(reinterpret_cast<float*>(dx + begin), reinterpret_cast<const float*>(dy + begin),
                                      reinterpret_cast<const float*>(x + begin), end - begin, tanh_approx);
    }
#endif
    for (; i < end; ++i) dx[i] = dy[i] * gelu_slope(x[i], tanh_approx);
  });
}

template void erf_forward<float>(float*, const float*, int64_t);
template void erf_forward<double>(double*, const double*, int64_t);
template void gelu_forward<float>(float*, const float*, int64_t, bool);
template void gelu_forward<double>(double*, const double*, int64_t, bool);
template void gelu_backward<float>(float*, const float*, const float*, int64_t, bool);
template void gelu_backward<double>(double*, const double*, const double*, int64_t, bool);

}  // namespace deepgrad
