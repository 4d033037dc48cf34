// Thread count for every kernel: the one piece of global state the kernels read.
// With OpenMP this is omp_set_num_threads / omp_get_max_threads; without it, always 1.
#pragma once

#include <cstdint>

namespace deepgrad {

void set_num_threads(int n);  // n < 1 is clamped to 1
int get_num_threads();
bool has_openmp();

// Threads worth using for `work` units of independent work (e.g. flops), given that a
// thread should get at least `min_work_per_thread` of it; 1 inside an active parallel region.
int threads_for(double work, double min_work_per_thread);

// body(i) for i in [0, n), split statically over nt threads when nt > 1, else inline: entering an OpenMP
// region costs ~0.3 us even under an if(false) clause, which is most of a tiny kernel call. The inline path opens
// no team, so omp_get_thread_num() inside it is the enclosing team's id (if any): use it only when nt > 1.
template <typename F>
inline void parallel_for(int64_t n, int nt, F&& body) {
  if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

}  // namespace deepgrad
