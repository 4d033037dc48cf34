// deepgrad._C conv2d / conv_transpose2d kernels: array checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <string>

#include "array_checks.h"
#include "deepgrad/conv.h"

namespace py = pybind11;
using deepgrad::Conv2dShape;
using deepgrad_bind::check_array;
using deepgrad_bind::optional_ptr;
using deepgrad_bind::with_dtype;
using Pair = std::array<int64_t, 2>;

namespace {

// The Conv2dShape of conv2d(in) -> out with weight w; `in` is (N, C, H, W), `out` (N, K, P, Q).
Conv2dShape conv_shape(const std::string& op, const py::array& in, const char* in_name,
                       const py::array& w, const py::array& out, const char* out_name,
                       Pair stride, Pair padding, Pair dilation, int64_t groups) {
  if (stride[0] < 1 || stride[1] < 1 || dilation[0] < 1 || dilation[1] < 1 || padding[0] < 0 ||
      padding[1] < 0 || groups < 1) {
    throw py::value_error(op + ": stride and dilation must be >= 1, padding >= 0, groups >= 1");
  }
  if (in.ndim() != 4 || w.ndim() != 4 || out.ndim() != 4) {
    throw py::value_error(op + ": " + in_name + ", w and " + out_name + " must be 4-D");
  }
  Conv2dShape s{};
  s.N = in.shape(0), s.C = in.shape(1), s.H = in.shape(2), s.W = in.shape(3);
  s.K = w.shape(0), s.R = w.shape(2), s.S = w.shape(3);
  s.P = out.shape(2), s.Q = out.shape(3);
  s.stride_h = stride[0], s.stride_w = stride[1];
  s.pad_h = padding[0], s.pad_w = padding[1];
  s.dil_h = dilation[0], s.dil_w = dilation[1];
  s.groups = groups;
  if (s.K % groups != 0 || w.shape(1) * groups != s.C) {
    throw py::value_error(op + ": w has shape " + deepgrad_bind::shape_str(deepgrad_bind::dims_of(w)) +
                          " but " + in_name + " has " + std::to_string(s.C) + " channels and groups is " +
                          std::to_string(groups));
  }
  const py::dtype dt = in.dtype();
  deepgrad_bind::is_float32(op, in_name, in);
  check_array(op, in_name, in, dt, {-1, -1, -1, -1}, false);
  check_array(op, "w", w, dt, {-1, -1, -1, -1}, false);
  check_array(op, out_name, out, dt, {s.N, s.K, -1, -1}, false);
  return s;
}

void forward_entry(bool transpose, bool naive, py::array y, const py::array& x, const py::array& w,
                   const py::object& b, Pair stride, Pair padding, Pair dilation, int64_t groups) {
  const std::string op = transpose ? "conv_transpose2d_forward" : "conv2d_forward";
  // conv_transpose2d's output is conv2d's input.
  const Conv2dShape s = transpose
      ? conv_shape(op, y, "y", w, x, "x", stride, padding, dilation, groups)
      : conv_shape(op, x, "x", w, y, "y", stride, padding, dilation, groups);
  check_array(op, "y", y, x.dtype(), deepgrad_bind::dims_of(y), true);
  with_dtype(x, [&](auto zero) {
    using T = decltype(zero);
    const T* pb = optional_ptr<T>(op, "b", b, x.dtype(), {transpose ? s.C : s.K}, false);
    T* py_ = static_cast<T*>(y.mutable_data());
    const T* px = static_cast<const T*>(x.data());
    const T* pw = static_cast<const T*>(w.data());
    py::gil_scoped_release release;
    if (transpose) {
      (naive ? deepgrad::conv_transpose2d_forward_naive<T> : deepgrad::conv_transpose2d_forward<T>)(
          py_, px, pw, pb, s);
    } else {
      (naive ? deepgrad::conv2d_forward_naive<T> : deepgrad::conv2d_forward<T>)(py_, px, pw, pb, s);
    }
  });
}

void backward_entry(bool transpose, bool naive, const py::object& dx, const py::object& dw,
                    const py::object& db, const py::array& dy, const py::array& x,
                    const py::array& w, Pair stride, Pair padding, Pair dilation, int64_t groups) {
  const std::string op = transpose ? "conv_transpose2d_backward" : "conv2d_backward";
  const Conv2dShape s = transpose
      ? conv_shape(op, dy, "dy", w, x, "x", stride, padding, dilation, groups)
      : conv_shape(op, x, "x", w, dy, "dy", stride, padding, dilation, groups);
  with_dtype(x, [&](auto zero) {
    using T = decltype(zero);
    const py::dtype dt = x.dtype();
    T* pdx = optional_ptr<T>(op, "dx", dx, dt, deepgrad_bind::dims_of(x), true);
    T* pdw = optional_ptr<T>(op, "dw", dw, dt, deepgrad_bind::dims_of(w), true);
    T* pdb = optional_ptr<T>(op, "db", db, dt, {transpose ? s.C : s.K}, true);
    const T* pdy = static_cast<const T*>(dy.data());
    const T* px = static_cast<const T*>(x.data());
    const T* pw = static_cast<const T*>(w.data());
    py::gil_scoped_release release;
    if (transpose) {
      (naive ? deepgrad::conv_transpose2d_backward_naive<T>
             : deepgrad::conv_transpose2d_backward<T>)(pdx, pdw, pdb, pdy, px, pw, s);
    } else {
      (naive ? deepgrad::conv2d_backward_naive<T> : deepgrad::conv2d_backward<T>)(
          pdx, pdw, pdb, pdy, px, pw, s);
    }
  });
}

}  // namespace

void bind_conv(py::module_& m) {
  for (bool transpose : {false, true}) {
    const char* fwd = transpose ? "conv_transpose2d_forward" : "conv2d_forward";
    const char* bwd = transpose ? "conv_transpose2d_backward" : "conv2d_backward";
    m.def(
        fwd,
        [transpose](py::array y, const py::array& x, const py::array& w, const py::object& b,
                    Pair stride, Pair padding, Pair dilation, int64_t groups, bool naive) {
          forward_entry(transpose, naive, y, x, w, b, stride, padding, dilation, groups);
        },
        py::arg("y"), py::arg("x"), py::arg("w"), py::arg("b"), py::arg("stride"),
        py::arg("padding"), py::arg("dilation"), py::arg("groups"), py::arg("naive") = false,
        transpose ? "y (N, C, H, W) = conv_transpose2d(x (N, K, P, Q), w (K, C/groups, R, S)) + b (C) "
                    "or None, written in place; C-contiguous arrays of one float dtype. "
                    "naive=True runs the reference loops."
                  : "y (N, K, P, Q) = conv2d(x (N, C, H, W), w (K, C/groups, R, S)) + b (K) or None, "
                    "written in place; P, Q are taken from y. C-contiguous arrays of one float dtype. "
                    "naive=True runs the reference loops.");
    m.def(
        bwd,
        [transpose](const py::object& dx, const py::object& dw, const py::object& db,
                    const py::array& dy, const py::array& x, const py::array& w, Pair stride,
                    Pair padding, Pair dilation, int64_t groups, bool naive) {
          backward_entry(transpose, naive, dx, dw, db, dy, x, w, stride, padding, dilation, groups);
        },
        py::arg("dx"), py::arg("dw"), py::arg("db"), py::arg("dy"), py::arg("x"), py::arg("w"),
        py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("groups"),
        py::arg("naive") = false,
        "Gradients of the forward of the same name, written into dx (x's shape), dw (w's "
        "shape) and db (bias shape); pass None for any not wanted.");
  }
}
