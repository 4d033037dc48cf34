// The LSTM's gate arithmetic for one batch row, with AVX2/FMA and AVX-512 versions in their own translation units
// (lstm_avx2.cpp, lstm_avx512.cpp) chosen at run time by lstm.cpp. Private to csrc/cpu.
//
// Kept free of inline functions and std templates, for the reason gemm_ukernel.h gives.
#pragma once

#include <cstdint>

namespace deepgrad {
namespace detail {

#if DEEPGRAD_HAVE_AVX2_TU
// Forward: g = [i f g o] pre-activations (4H) become the activations in place; c = f c_prev + i g, h = o tanh(c).
// Handles columns j < H rounded down to a multiple of 8 and returns that count; the caller does the rest.
int64_t lstm_gates_forward_avx2(float* g, float* c, float* h, const float* c_prev, int64_t H);
// Backward: from dh (4H activations g, c, c_prev) and the running dc (updated in place to dc_{t-1}), the
// pre-activation gradients dg (4H). Same column convention as the forward.
int64_t lstm_gates_backward_avx2(float* dg, float* dc, const float* dh, const float* g, const float* c,
                                 const float* c_prev, int64_t H);
#endif

#if DEEPGRAD_HAVE_AVX512_TU
// The forward's gate arithmetic with AVX-512F (lstm_avx512.cpp), 16 columns at a time: the same contract as
// lstm_gates_forward_avx2, returning the columns it handled (H rounded down to a multiple of 16).
int64_t lstm_gates_forward_avx512(float* g, float* c, float* h, const float* c_prev, int64_t H);
#endif

}  // namespace detail
}  // namespace deepgrad
