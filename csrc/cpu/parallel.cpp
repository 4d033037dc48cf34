// Thread count shared by all kernels (see parallel.h).
#include "deepgrad/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace deepgrad {

void set_num_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n < 1 ? 1 : n);
#else
  (void)n;
#endif
}

int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

bool has_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

int threads_for(double work, double min_work_per_thread) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
  int nt = omp_get_max_threads();
  if (min_work_per_thread > 0) {
    double by_work = work / min_work_per_thread;
    if (by_work < nt) nt = by_work < 1 ? 1 : static_cast<int>(by_work);
  }
  return nt < 1 ? 1 : nt;
#else
  (void)work;
  (void)min_work_per_thread;
  return 1;
#endif
}

}  // namespace deepgrad
