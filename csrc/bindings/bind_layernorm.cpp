// deepgrad._C.layernorm_forward / layernorm_backward (+ _naive twins): checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/layernorm.h"

namespace py = pybind11;
using namespace deepgrad_bind;

namespace {

template <bool Naive>
void forward(py::array y, py::array mean, py::array rstd, py::array x, py::object w, py::object b, double eps) {
  const std::string op = Naive ? "layernorm_forward_naive" : "layernorm_forward";
  is_float32(op, "x", x);
  check_array(op, "x", x, x.dtype(), {-1, -1}, false);
  const int64_t M = x.shape(0), N = x.shape(1);
  check_array(op, "y", y, x.dtype(), {M, N}, true);
  check_array(op, "mean", mean, x.dtype(), {M}, true);
  check_array(op, "rstd", rstd, x.dtype(), {M}, true);
  with_dtype(x, [&](auto tag) {
    using T = decltype(tag);
    const T* wp = optional_ptr<T>(op, "w", w, x.dtype(), {N}, false);
    const T* bp = optional_ptr<T>(op, "b", b, x.dtype(), {N}, false);
    T* yp = static_cast<T*>(y.mutable_data());
    T* mp = static_cast<T*>(mean.mutable_data());
    T* rp = static_cast<T*>(rstd.mutable_data());
    const T* xp = static_cast<const T*>(x.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::layernorm_forward_naive<T> : deepgrad::layernorm_forward<T>)(yp, mp, rp, xp, wp, bp, M, N,
                                                                                      eps);
  });
}

template <bool Naive>
void backward(py::object dx, py::object dw, py::object db, py::array dy, py::array x, py::array mean,
              py::array rstd, py::object w) {
  const std::string op = Naive ? "layernorm_backward_naive" : "layernorm_backward";
  is_float32(op, "dy", dy);
  check_array(op, "dy", dy, dy.dtype(), {-1, -1}, false);
  const int64_t M = dy.shape(0), N = dy.shape(1);
  check_array(op, "x", x, dy.dtype(), {M, N}, false);
  check_array(op, "mean", mean, dy.dtype(), {M}, false);
  check_array(op, "rstd", rstd, dy.dtype(), {M}, false);
  with_dtype(dy, [&](auto tag) {
    using T = decltype(tag);
    const T* wp = optional_ptr<T>(op, "w", w, dy.dtype(), {N}, false);
    T* dxp = optional_ptr<T>(op, "dx", dx, dy.dtype(), {M, N}, true);
    T* dwp = optional_ptr<T>(op, "dw", dw, dy.dtype(), {N}, true);
    T* dbp = optional_ptr<T>(op, "db", db, dy.dtype(), {N}, true);
    const T* dyp = static_cast<const T*>(dy.data());
    const T* xp = static_cast<const T*>(x.data());
    const T* mp = static_cast<const T*>(mean.data());
    const T* rp = static_cast<const T*>(rstd.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::layernorm_backward_naive<T> : deepgrad::layernorm_backward<T>)(dxp, dwp, dbp, dyp, xp, mp, rp,
                                                                                        wp, M, N);
  });
}

}  // namespace

void bind_layernorm(py::module_& m) {
  m.def("layernorm_forward", &forward<false>, py::arg("y"), py::arg("mean"), py::arg("rstd"), py::arg("x"),
        py::arg("w"), py::arg("b"), py::arg("eps"),
        "y = (x - mean) * rstd * w + b over the rows of x (M, N); w, b may be None; y, mean, rstd written in place.");
  m.def("layernorm_forward_naive", &forward<true>, py::arg("y"), py::arg("mean"), py::arg("rstd"), py::arg("x"),
        py::arg("w"), py::arg("b"), py::arg("eps"));
  m.def("layernorm_backward", &backward<false>, py::arg("dx"), py::arg("dw"), py::arg("db"), py::arg("dy"),
        py::arg("x"), py::arg("mean"), py::arg("rstd"), py::arg("w"),
        "dx, dw, db (each may be None) from dy and the forward's mean and rstd.");
  m.def("layernorm_backward_naive", &backward<true>, py::arg("dx"), py::arg("dw"), py::arg("db"), py::arg("dy"),
        py::arg("x"), py::arg("mean"), py::arg("rstd"), py::arg("w"));
}
