// The softmax inner loop of the attention kernels, with an AVX2/FMA version in its own translation unit
// (softmax_avx2.cpp, compiled with -mavx2 -mfma) chosen at run time. Private to csrc/cpu.
//
// Kept free of inline functions and std templates, for the reason gemm_ukernel.h gives.
#pragma once

#include <cstdint>

namespace deepgrad {
namespace detail {

// row[c] = exp(row[c] - shift) for c < n (0 where row[c] - shift < -87, -inf included); returns their sum.
float exp_shift_sum_portable(float* row, int64_t n, float shift);
double exp_shift_sum_portable(double* row, int64_t n, double shift);
#if DEEPGRAD_HAVE_AVX2_TU
float exp_shift_sum_avx2(float* row, int64_t n, float shift);
#endif

}  // namespace detail
}  // namespace deepgrad
