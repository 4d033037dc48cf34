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

}  // namespace deepgrad
