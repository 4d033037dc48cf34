// Scaled dot-product attention, forward and backward, fused (tiled, online softmax) and naive.
//
//   out = softmax(scale * q @ k^T + mask) @ v        per batch-head b < BH
//
// Shapes (row-major, contiguous):
//   q: (BH, L, E)   k: (BH, S, E)   v: (BH, S, Ev)   out, dout: (BH, L, Ev)
//   lse: (BH, L)    the log-sum-exp of each query row's masked, scaled scores (-inf when every key is masked)
//   dq: (BH, L, E)  dk: (BH, S, E)  dv: (BH, S, Ev)
// Masks (optional, at most one of the two pointers set):
//   allow: bool (1 byte), True = may attend;  add: float, added to the scaled scores.
//   The (L, S) slice for batch-head b starts at mask + offsets[b]; its row i starts at row_stride * i
//   (row_stride 0 broadcasts one row over all queries); columns are contiguous.
// causal: query i attends to keys j <= i (PyTorch's top-left aligned tril(ones(L, S))).
// A query row with every key masked gives out = 0 and lse = -inf, and gradient 0 (as PyTorch 2.x on the CPU).
#pragma once

#include <cstdint>

namespace deepgrad {

struct AttentionShape {
  int64_t BH, L, S, E, Ev;
  double scale;
  bool causal;
};

template <typename T>
struct AttentionMask {
  const uint8_t* allow = nullptr;
  const T* add = nullptr;
  const int64_t* offsets = nullptr;  // (BH,)
  int64_t row_stride = 0;
};

// Tiles of query rows against tiles of keys; only O(tile) scores live at a time. OpenMP over (batch-head, query tile).
template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionMask<T>& mask,
                       const AttentionShape& s);

// Recomputes the probabilities tile by tile from lse: p = exp(scale * q.k + mask - lse). OpenMP over batch-heads.
// dq, dk, dv may each be null when not needed.
template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v, const T* out,
                        const T* lse, const AttentionMask<T>& mask, const AttentionShape& s);

// Reference twins: the full L x S score matrix per batch-head, plain loops, one thread.
template <typename T>
void attention_forward_naive(T* out, T* lse, const T* q, const T* k, const T* v, const AttentionMask<T>& mask,
                             const AttentionShape& s);

template <typename T>
void attention_backward_naive(T* dq, T* dk, T* dv, const T* dout, const T* q, const T* k, const T* v, const T* out,
                              const T* lse, const AttentionMask<T>& mask, const AttentionShape& s);

}  // namespace deepgrad
