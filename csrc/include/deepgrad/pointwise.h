// Pointwise maths NumPy lacks, on raw pointers. x, y, dy, dx: (n,) contiguous; dx may alias dy.
//
// float32 uses a vectorised erfc (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7: float32's resolution) with
// AVX2/FMA where the CPU has it; float64 uses libm (erf, erfc, tanh).
#pragma once
#include <cstdint>

namespace deepgrad {

// y = erf(x)
template <typename T>
void erf_forward(T* y, const T* x, int64_t n);

// GELU: y = x Phi(x), with Phi the standard normal CDF, exactly through erf (tanh_approx = false) or as
// (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (tanh_approx = true), as torch.nn.GELU(approximate=...).
template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool tanh_approx);

// dx = dy * d/dx GELU(x)
template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool tanh_approx);

}  // namespace deepgrad
