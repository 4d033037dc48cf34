// deepgrad._C.linear_forward / linear_backward (+ _naive twins): checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/linear.h"

namespace py = pybind11;
using namespace deepgrad_bind;

namespace {

// x is (*, K) and y (*, N) with the same leading dims, both C-contiguous: the leading dims fold into GEMM rows.
template <bool Naive>
void forward(py::array y, py::array x, py::array w, py::object b, bool relu) {
  const std::string op = Naive ? "linear_forward_naive" : "linear_forward";
  is_float32(op, "x", x);
  check_array(op, "w", w, x.dtype(), {-1, -1}, false);
  const int64_t N = w.shape(0), K = w.shape(1);
  if (x.ndim() < 1 || x.shape(x.ndim() - 1) != K) {
    throw py::value_error(op + ": x has shape " + shape_str(dims_of(x)) + "; expected (*, " + std::to_string(K) +
                          ") for w of shape " + shape_str(dims_of(w)));
  }
  std::vector<int64_t> y_shape = dims_of(x);
  y_shape.back() = N;
  check_array(op, "x", x, x.dtype(), dims_of(x), false);
  check_array(op, "y", y, x.dtype(), y_shape, true);
  int64_t M = 1;
  for (py::ssize_t i = 0; i + 1 < x.ndim(); ++i) M *= x.shape(i);
  with_dtype(x, [&](auto tag) {
    using T = decltype(tag);
    const T* bp = optional_ptr<T>(op, "b", b, x.dtype(), {N}, false);
    T* yp = static_cast<T*>(y.mutable_data());
    const T* xp = static_cast<const T*>(x.data());
    const T* wp = static_cast<const T*>(w.data());
    ReleaseGilFor unlocked(static_cast<double>(M) * N * K);
    (Naive ? deepgrad::linear_forward_naive<T> : deepgrad::linear_forward<T>)(yp, xp, wp, bp, M, N, K, relu);
  });
}

template <bool Naive>
void backward(py::object dx, py::object dw, py::object db, py::array dy, py::array x, py::array w) {
  const std::string op = Naive ? "linear_backward_naive" : "linear_backward";
  is_float32(op, "dy", dy);
  check_array(op, "dy", dy, dy.dtype(), {-1, -1}, false);
  const int64_t M = dy.shape(0), N = dy.shape(1);
  check_array(op, "x", x, dy.dtype(), {M, -1}, false);
  const int64_t K = x.shape(1);
  check_array(op, "w", w, dy.dtype(), {N, K}, false);
  with_dtype(dy, [&](auto tag) {
    using T = decltype(tag);
    T* dxp = optional_ptr<T>(op, "dx", dx, dy.dtype(), {M, K}, true);
    T* dwp = optional_ptr<T>(op, "dw", dw, dy.dtype(), {N, K}, true);
    T* dbp = optional_ptr<T>(op, "db", db, dy.dtype(), {N}, true);
    const T* dyp = static_cast<const T*>(dy.data());
    const T* xp = static_cast<const T*>(x.data());
    const T* wp = static_cast<const T*>(w.data());
    ReleaseGilFor unlocked(static_cast<double>(M) * N * K);
    (Naive ? deepgrad::linear_backward_naive<T> : deepgrad::linear_backward<T>)(dxp, dwp, dbp, dyp, xp, wp, M, N,
                                                                                  K);
  });
}

}  // namespace

void bind_linear(py::module_& m) {
  m.def("linear_forward", &forward<false>, py::arg("y"), py::arg("x"), py::arg("w"), py::arg("b"),
        py::arg("relu") = false, "y = x @ w.T + b (b may be None), then ReLU if relu; x (*, K), y (*, N) written in place.");
  m.def("linear_forward_naive", &forward<true>, py::arg("y"), py::arg("x"), py::arg("w"), py::arg("b"),
        py::arg("relu") = false);
  m.def("linear_backward", &backward<false>, py::arg("dx"), py::arg("dw"), py::arg("db"), py::arg("dy"),
        py::arg("x"), py::arg("w"), "dx = dy @ w, dw = dy.T @ x, db = dy.sum(0); None skips an output.");
  m.def("linear_backward_naive", &backward<true>, py::arg("dx"), py::arg("dw"), py::arg("db"), py::arg("dy"),
        py::arg("x"), py::arg("w"));
}
