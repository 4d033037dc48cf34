// Pointwise maths NumPy lacks, on raw pointers.
#pragma once
#include <cstdint>

namespace deepgrad {

// y[i] = erf(x[i]) for i < n.  x, y: (n,)
template <typename T>
void erf_forward(T* y, const T* x, int64_t n);

}  // namespace deepgrad
