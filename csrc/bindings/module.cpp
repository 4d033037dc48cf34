// deepgrad._C: the kernel module. One bind_<family>(m) call per kernel family, plus the
// build/run-time information functions.
#include <pybind11/pybind11.h>

#include <string>

#include "deepgrad/allocator.h"
#include "deepgrad/dispatch.h"
#include "deepgrad/parallel.h"

namespace py = pybind11;

void bind_gemm(py::module_& m);
void bind_pointwise(py::module_& m);
void bind_linear(py::module_& m);
void bind_lstm(py::module_& m);
void bind_conv(py::module_& m);
void bind_pool(py::module_& m);
void bind_attention(py::module_& m);
void bind_layernorm(py::module_& m);
void bind_softmax(py::module_& m);
void bind_optim(py::module_& m);

PYBIND11_MODULE(_C, m) {
  m.doc() = "deepgrad's C++ kernels (OpenMP + SIMD). Arrays in, arrays written in place.";

  m.def("simd_level", &deepgrad::simd_level_name,
        "The SIMD micro-kernels in use: 'avx512', 'avx2' or 'portable' (DEEPGRAD_SIMD=avx2 or "
        "DEEPGRAD_SIMD=portable forces a lower level).");
  m.def(
      "_set_simd_level",
      [](const std::string& name) {
        if (!deepgrad::set_simd_level(name.c_str())) {
          throw py::value_error("_set_simd_level: '" + name +
                                "' is unknown or not supported here (this CPU/build: " +
                                deepgrad::supported_levels() + ")");
        }
      },
      py::arg("name"), "Select the micro-kernels ('avx512', 'avx2' or 'portable'); for tests.");
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 1) throw py::value_error("set_num_threads: n must be >= 1, got " + std::to_string(n));
        deepgrad::set_num_threads(n);
      },
      py::arg("n"), "Threads the kernels use (OpenMP); ignored without OpenMP.");
  m.def("get_num_threads", &deepgrad::get_num_threads, "Threads the kernels use.");
  m.def("keep_large_blocks", &deepgrad::keep_large_blocks,
        "glibc: large blocks from the heap and freed memory kept (no page faults on each new large array); "
        "False where it does not apply.");
  m.def("has_openmp", &deepgrad::has_openmp, "Whether the kernels were built with OpenMP.");
  m.def(
      "has_cuda",
      []() {
#ifdef DEEPGRAD_WITH_CUDA
        return true;
#else
        return false;
#endif
      },
      "Whether the CUDA kernels were built (DEEPGRAD_CUDA=ON).");

  bind_gemm(m);
  bind_pointwise(m);
  bind_linear(m);
  bind_lstm(m);
  bind_conv(m);
  bind_pool(m);
  bind_attention(m);
  bind_layernorm(m);
  bind_softmax(m);
  bind_optim(m);
}
