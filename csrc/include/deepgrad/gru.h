// One GRU layer in one direction, the whole time loop in C++ (forward and BPTT backward), as lstm.h for the LSTM.
//
// Shapes (row-major, contiguous; time-major):
//   x: (T, B, I)   w_ih: (3H, I)   w_hh: (3H, H)   b_ih, b_hh: (3H,) or null
//   h0: (B, H) or null (zeros)   lengths: (B,) int64 or null (all T)
//   hs: (T, B, H)   the hidden state after each step
//   gates: (T, B, 3H)   the activated gates r, z, n (PyTorch's order), saved for backward
//   hn: (T, B, H)   W_hn h_{t-1} + b_hn, the part of n's pre-activation r scales, saved for backward
// Gate equations (PyTorch's):
//   r = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)    z = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
//   n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))    h_t = (1 - z) * n + z * h_{t-1}
// reverse and lengths as in lstm.h: a sample holds its state at the steps t >= lengths[b].
#pragma once

#include <cstdint>

namespace deepgrad {

// Forward: the input projection for all steps is one GEMM (b_ih added per tile), then per step one GEMM gives
// h_{t-1} W_hh^T and one fused pass applies b_hh, the non-linearities and the update of h.
template <typename T>
void gru_forward(T* hs, T* gates, T* hn, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
                 const T* h0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse);

// Backward through time from the saved gates, hn and states.
//   dhs: (T, B, H) gradient of hs (null: zero), dhn: (B, H) gradient of the final state (null: zero).
//   Outputs, each null when not needed: dx (T, B, I), dw_ih (3H, I), dw_hh (3H, H), db_ih, db_hh (3H,), dh0 (B, H).
template <typename T>
void gru_backward(T* dx, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, T* dh0, const T* dhs, const T* dhn, const T* gates,
                  const T* hn, const T* hs, const T* x, const T* w_ih, const T* w_hh, const T* h0,
                  const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse);

}  // namespace deepgrad
