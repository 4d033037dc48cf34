// softmax_forward / softmax_backward; formulas in softmax.h. The exponentials are libm's (exact to an ulp), as
// the NumPy reference and PyTorch's float64 path; rows are independent, so threads split them.
#include "deepgrad/softmax.h"

#include <cmath>

#include "deepgrad/parallel.h"

namespace deepgrad {

template <typename T>
void softmax_forward(T* y, const T* x, int64_t rows, int64_t n, bool log) {
  const int nt = threads_for(static_cast<double>(rows) * n * 8, 1 << 15);
  parallel_for(rows, nt, [&](int64_t r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    T m = xr[0];
    for (int64_t j = 1; j < n; ++j) m = xr[j] > m || std::isnan(xr[j]) ? xr[j] : m;
    double sum = 0;  // double sums: long rows (a vocabulary) in float32 would lose digits
    if (log) {
      for (int64_t j = 0; j < n; ++j) sum += std::exp(xr[j] - m);
      const T log_sum = static_cast<T>(std::log(sum));
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) - log_sum;
    } else {
      for (int64_t j = 0; j < n; ++j) {
        yr[j] = std::exp(xr[j] - m);
        sum += yr[j];
      }
      const T total = static_cast<T>(sum);
      for (int64_t j = 0; j < n; ++j) yr[j] /= total;
    }
  });
}

template <typename T>
void softmax_backward(T* dx, const T* y, const T* dy, int64_t rows, int64_t n, bool log) {
  const int nt = threads_for(static_cast<double>(rows) * n * 4, 1 << 15);
  parallel_for(rows, nt, [&](int64_t r) {
    const T* yr = y + r * n;
    const T* gr = dy + r * n;
    T* dr = dx + r * n;
    double s = 0;
    if (log) {
      for (int64_t j = 0; j < n; ++j) s += gr[j];
      const T total = static_cast<T>(s);
      for (int64_t j = 0; j < n; ++j) dr[j] = gr[j] - std::exp(yr[j]) * total;
    } else {
      for (int64_t j = 0; j < n; ++j) s += static_cast<double>(gr[j]) * yr[j];
      const T total = static_cast<T>(s);
      for (int64_t j = 0; j < n; ++j) dr[j] = yr[j] * (gr[j] - total);
    }
  });
}

template void softmax_forward<float>(float*, const float*, int64_t, int64_t, bool);
template void softmax_forward<double>(double*, const double*, int64_t, int64_t, bool);
template void softmax_backward<float>(float*, const float*, const float*, int64_t, int64_t, bool);
template void softmax_backward<double>(double*, const double*, const double*, int64_t, int64_t, bool);

}  // namespace deepgrad
