// deepgrad._C.softmax_forward / softmax_backward: checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/softmax.h"

namespace py = pybind11;
using namespace deepgrad_bind;

void bind_softmax(py::module_& m) {
  m.def(
      "softmax_forward",
      [](py::array y, py::array x, bool log) {
        const char* op = "softmax_forward";
        is_float32(op, "x", x);
        if (x.ndim() < 1) throw py::value_error("softmax_forward: x must have at least one dimension");
        check_array(op, "x", x, x.dtype(), dims_of(x), false);
        check_array(op, "y", y, x.dtype(), dims_of(x), true);
        const int64_t n = x.shape(x.ndim() - 1), rows = n > 0 ? x.size() / n : 0;
        if (n == 0) return;
        with_dtype(x, [&](auto tag) {
          using T = decltype(tag);
          T* yp = static_cast<T*>(y.mutable_data());
          const T* xp = static_cast<const T*>(x.data());
          ReleaseGilFor unlocked(static_cast<double>(rows) * n * 8);
          deepgrad::softmax_forward<T>(yp, xp, rows, n, log);
        });
      },
      py::arg("y"), py::arg("x"), py::arg("log"),
      "y <- softmax (log=False) or log_softmax (log=True) along the last axis of x; x, y: (*, n), contiguous.");
  m.def(
      "softmax_backward",
      [](py::array dx, py::array y, py::array dy, bool log) {
        const char* op = "softmax_backward";
        is_float32(op, "y", y);
        if (y.ndim() < 1) throw py::value_error("softmax_backward: y must have at least one dimension");
        check_array(op, "y", y, y.dtype(), dims_of(y), false);
        check_array(op, "dy", dy, y.dtype(), dims_of(y), false);
        check_array(op, "dx", dx, y.dtype(), dims_of(y), true);
        const int64_t n = y.shape(y.ndim() - 1), rows = n > 0 ? y.size() / n : 0;
        if (n == 0) return;
        with_dtype(y, [&](auto tag) {
          using T = decltype(tag);
          T* dxp = static_cast<T*>(dx.mutable_data());
          const T* yp = static_cast<const T*>(y.data());
          const T* dyp = static_cast<const T*>(dy.data());
          ReleaseGilFor unlocked(static_cast<double>(rows) * n * 4);
          deepgrad::softmax_backward<T>(dxp, yp, dyp, rows, n, log);
        });
      },
      py::arg("dx"), py::arg("y"), py::arg("dy"), py::arg("log"),
      "dx <- the input gradient of softmax/log_softmax from its output y and output gradient dy, all (*, n).");
}
