#include "deepgrad/pointwise.h"

#include <cmath>

namespace deepgrad {

template <typename T>
void erf_forward(T* y, const T* x, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
}

template void erf_forward<float>(float*, const float*, int64_t);
template void erf_forward<double>(double*, const double*, int64_t);

}  // namespace deepgrad
