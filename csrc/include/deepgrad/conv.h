// 2-D convolution (cross-correlation, as in PyTorch) and its transpose, float and double.
//
// Shapes (all C-contiguous, NCHW):
//   x  (N, C, H, W)            input
//   w  (K, C/groups, R, S)     weight: K output channels, R x S kernel
//   b  (K)                     bias (may be null)
//   y  (N, K, P, Q)            output
//   y[n, k, p, q] = b[k] + sum_{c in group(k), r, s} w[k, c, r, s] *
//                   x[n, c, p*stride_h - pad_h + r*dil_h, q*stride_w - pad_w + s*dil_w]
//   (taps outside the input read zero). P and Q are given by the caller, so asymmetric
//   padding ('same' with an even kernel) is P = H with pad_h the top padding; the usual
//   size is P = (H + 2*pad_h - dil_h*(R-1) - 1) / stride_h + 1.
//
// conv_transpose2d is conv2d's input gradient: with the same Conv2dShape `s` describing
// the conv2d y = conv2d(x, w), conv_transpose2d maps a (N, K, P, Q) input to a (N, C, H, W)
// output with w of shape (K, C/groups, R, S) -- PyTorch's (in, out/groups, kH, kW) layout.
#pragma once

#include <cstdint>

namespace deepgrad {

struct Conv2dShape {
  int64_t N, C, H, W;  // input
  int64_t K, R, S;     // output channels, kernel height and width
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
  int64_t P, Q;        // output height and width
};

// Fast path: im2col per image + gemm, OpenMP over images (1x1 stride-1 unpadded convs skip
// im2col). Thread-local workspaces, allocated once per call.
template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s);

// dx (N, C, H, W), dw (K, C/groups, R, S), db (K) from dy (N, K, P, Q); each output may be
// null when not wanted (x is only read for dw, w only for dx). Outputs are overwritten.
template <typename T>
void conv2d_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                     const Conv2dShape& s);

// y (N, C, H, W) = conv2d's input gradient of x (N, K, P, Q), plus b (C) when not null.
template <typename T>
void conv_transpose2d_forward(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s);

// dx (N, K, P, Q), dw (K, C/groups, R, S), db (C) from dy (N, C, H, W); any may be null.
template <typename T>
void conv_transpose2d_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                               const Conv2dShape& s);

// References: the direct loops of the definitions above, single-threaded; what tests use.
template <typename T>
void conv2d_forward_naive(T* y, const T* x, const T* w, const T* b, const Conv2dShape& s);

template <typename T>
void conv2d_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                           const Conv2dShape& s);

template <typename T>
void conv_transpose2d_forward_naive(T* y, const T* x, const T* w, const T* b,
                                    const Conv2dShape& s);

template <typename T>
void conv_transpose2d_backward_naive(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w,
                                     const Conv2dShape& s);

}  // namespace deepgrad
