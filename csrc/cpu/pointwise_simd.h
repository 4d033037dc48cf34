// The float32 pointwise loops with an AVX2/FMA version in their own translation unit (pointwise_avx2.cpp,
// compiled with -mavx2 -mfma), chosen at run time by pointwise.cpp. Private to csrc/cpu.
//
// Each handles i < n rounded down to a multiple of 8 and returns that count; the caller does the rest.
#pragma once

#include <cstdint>

namespace deepgrad {
namespace detail {

#if DEEPGRAD_HAVE_AVX2_TU
int64_t erf_avx2(float* y, const float* x, int64_t n);
int64_t gelu_forward_avx2(float* y, const float* x, int64_t n, bool tanh_approx);
int64_t gelu_backward_avx2(float* dx, const float* dy, const float* x, int64_t n, bool tanh_approx);
#endif

}  // namespace detail
}  // namespace deepgrad
