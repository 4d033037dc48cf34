// 2-D pooling, float and double, over the (H, W) planes of NCHW arrays.
//
// Shapes (all C-contiguous):
//   x, dx    (N, C, H, W)
//   y, dy    (N, C, P, Q)
//   indices  (N, C, P, Q) int64: flat index h*W + w into x's plane of each max (as PyTorch's
//            return_indices), -1 for a window with no input element.
// Output (p, q) pools the window rows p*stride_h - pad_h + r*dil_h (r < R) and columns
// q*stride_w - pad_w + t*dil_w (t < S). P and Q are given by the caller (ceil_mode is decided
// there); taps outside the input are skipped (max) or count as zeros (avg).
//
// avg_pool2d divides by (PyTorch's rules) divisor_override when != 0, else by the window's
// size clipped to the padded input when count_include_pad, else by the number of input
// elements in the window (a window with none gives 0). Dilation must be 1 for avg_pool2d.
// adaptive_avg_pool2d averages rows floor(p*H/P) .. ceil((p+1)*H/P)-1 (likewise columns).
#pragma once

#include <cstdint>

namespace deepgrad {

struct Pool2dShape {
  int64_t N, C, H, W;  // input
  int64_t R, S;        // window height and width
  int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  int64_t P, Q;        // output height and width
};

// Fast paths: OpenMP over the N*C planes, inner loops along output rows.
template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dShape& s);

// dx = 0, then dx[plane][indices] += dy (indices out of the plane are skipped).
template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, const Pool2dShape& s);

template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                        int64_t divisor_override);

template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                         int64_t divisor_override);

// Only N, C, H, W, P, Q of the shape are read.
template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, const Pool2dShape& s);

template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, const Pool2dShape& s);

// References: one output element at a time, straight from the definitions; single-threaded.
template <typename T>
void max_pool2d_forward_naive(T* y, int64_t* indices, const T* x, const Pool2dShape& s);

template <typename T>
void max_pool2d_backward_naive(T* dx, const T* dy, const int64_t* indices,
                               const Pool2dShape& s);

template <typename T>
void avg_pool2d_forward_naive(T* y, const T* x, const Pool2dShape& s, bool count_include_pad,
                              int64_t divisor_override);

template <typename T>
void avg_pool2d_backward_naive(T* dx, const T* dy, const Pool2dShape& s, bool count_include_pad,
                               int64_t divisor_override);

template <typename T>
void adaptive_avg_pool2d_forward_naive(T* y, const T* x, const Pool2dShape& s);

template <typename T>
void adaptive_avg_pool2d_backward_naive(T* dx, const T* dy, const Pool2dShape& s);

}  // namespace deepgrad
