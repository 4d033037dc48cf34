// The LSTM's gate arithmetic for one batch row, with an AVX2/FMA version in its own translation unit
// (lstm_avx2.cpp, compiled with -mavx2 -mfma) chosen at run time by lstm.cpp. Private to csrc/cpu.
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

}  // namespace detail
}  // namespace deepgrad
