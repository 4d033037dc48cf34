// Pointwise maths NumPy lacks, on raw pointers. x, y, dy, dx: (n,) contiguous; dx may alias dy.
//
// float32 uses vectorised approximations with AVX2/FMA where the CPU has it: erfc from Numerical Recipes' erfcc
// (relative error ~1.2e-7), erf from its Taylor series below |x| = 0.5; float64 uses libm (erf, erfc, exp).
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
