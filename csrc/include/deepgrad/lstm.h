// One LSTM layer in one direction, the whole time loop in C++ (forward and BPTT backward).
//
// Shapes (row-major, contiguous; time-major):
//   x: (T, B, I)   w_ih: (4H, I)   w_hh: (4H, H)   b: (4H,) = b_ih + b_hh, or null
//   h0, c0: (B, H) or null (zeros)   lengths: (B,) int64 or null (all T)
//   hs, cs: (T, B, H)   the hidden and cell state after each step
//   gates: (T, B, 4H)   the activated gates i, f, g, o (PyTorch's order), saved for backward
// Gate equations (PyTorch's):
//   [a_i a_f a_g a_o] = x_t W_ih^T + h_{t-1} W_hh^T + b
//   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t)
// reverse runs t = T-1 .. 0. With lengths, sample b only takes the steps t < lengths[b] (in either direction);
// at the other steps its state is held, so hs/cs there repeat the previous state and the final state is the
// one after its last real step (the caller zeroes those outputs, as pad_packed_sequence does).
#pragma once

#include <cstdint>

namespace deepgrad {

// Forward: the input projection for all steps is one GEMM (bias seeded), then per step one GEMM adds
// h_{t-1} W_hh^T and one fused pass applies the non-linearities and updates c and h.
template <typename T>
void lstm_forward(T* hs, T* cs, T* gates, const T* x, const T* w_ih, const T* w_hh, const T* b, const T* h0,
                  const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I, int64_t H, bool reverse);

// Backward through time from the saved gates and states.
//   dhs: (T, B, H) gradient of hs (null: zero), dhn, dcn: (B, H) gradients of the final state (null: zero).
//   Outputs, each null when not needed: dx (T, B, I), dw_ih (4H, I), dw_hh (4H, H), db (4H,) (the gradient of
//   b_ih and of b_hh alike), dh0, dc0 (B, H).
template <typename T>
void lstm_backward(T* dx, T* dw_ih, T* dw_hh, T* db, T* dh0, T* dc0, const T* dhs, const T* dhn, const T* dcn,
                   const T* gates, const T* hs, const T* cs, const T* x, const T* w_ih, const T* w_hh,
                   const T* h0, const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I,
                   int64_t H, bool reverse);

// Reference twins: one scalar loop per equation, no GEMM, no threads.
template <typename T>
void lstm_forward_naive(T* hs, T* cs, T* gates, const T* x, const T* w_ih, const T* w_hh, const T* b,
                        const T* h0, const T* c0, const int64_t* lengths, int64_t steps, int64_t B, int64_t I,
                        int64_t H, bool reverse);

template <typename T>
void lstm_backward_naive(T* dx, T* dw_ih, T* dw_hh, T* db, T* dh0, T* dc0, const T* dhs, const T* dhn,
                         const T* dcn, const T* gates, const T* hs, const T* cs, const T* x, const T* w_ih,
                         const T* w_hh, const T* h0, const T* c0, const int64_t* lengths, int64_t steps,
                         int64_t B, int64_t I, int64_t H, bool reverse);

}  // namespace deepgrad
