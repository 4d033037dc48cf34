// deepgrad._C pooling kernels: array checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <string>

#include "array_checks.h"
#include "deepgrad/pool.h"

namespace py = pybind11;
using deepgrad::Pool2dShape;
using deepgrad_bind::check_array;
using deepgrad_bind::with_dtype;
using Pair = std::array<int64_t, 2>;

namespace {

// The Pool2dShape of pooling `in` (N, C, H, W) into `out` (N, C, P, Q); checks both arrays.
Pool2dShape pool_shape(const std::string& op, const py::array& in, const char* in_name, bool in_out,
                       const py::array& out, const char* out_name, bool out_out, Pair kernel,
                       Pair stride, Pair padding, Pair dilation) {
  if (kernel[0] < 1 || kernel[1] < 1 || stride[0] < 1 || stride[1] < 1 || dilation[0] < 1 ||
      dilation[1] < 1 || padding[0] < 0 || padding[1] < 0) {
    throw py::value_error(op + ": kernel_size, stride and dilation must be >= 1, padding >= 0");
  }
  deepgrad_bind::is_float32(op, in_name, in);
  check_array(op, in_name, in, in.dtype(), {-1, -1, -1, -1}, in_out);
  check_array(op, out_name, out, in.dtype(), {in.shape(0), in.shape(1), -1, -1}, out_out);
  Pool2dShape s{};
  s.N = in.shape(0), s.C = in.shape(1), s.H = in.shape(2), s.W = in.shape(3);
  s.R = kernel[0], s.S = kernel[1];
  s.stride_h = stride[0], s.stride_w = stride[1];
  s.pad_h = padding[0], s.pad_w = padding[1];
  s.dil_h = dilation[0], s.dil_w = dilation[1];
  s.P = out.shape(2), s.Q = out.shape(3);
  return s;
}

const py::dtype& int64_dtype() {
  static const py::dtype dt = py::dtype::of<int64_t>();
  return dt;
}

template <typename T>
T* out_ptr(py::array& a) {
  return static_cast<T*>(a.mutable_data());
}

template <typename T>
const T* in_ptr(const py::array& a) {
  return static_cast<const T*>(a.data());
}

}  // namespace

void bind_pool(py::module_& m) {
  const Pair one{1, 1}, zero{0, 0};
  m.def(
      "max_pool2d_forward",
      [](py::array y, py::array indices, const py::array& x, Pair kernel_size, Pair stride,
         Pair padding, Pair dilation, bool naive) {
        const char* op = "max_pool2d_forward";
        const Pool2dShape s =
            pool_shape(op, x, "x", false, y, "y", true, kernel_size, stride, padding, dilation);
        check_array(op, "indices", indices, int64_dtype(), deepgrad_bind::dims_of(y), true);
        with_dtype(x, [&](auto z) {
          using T = decltype(z);
          T* py_ = out_ptr<T>(y);
          int64_t* pi = out_ptr<int64_t>(indices);
          const T* px = in_ptr<T>(x);
          py::gil_scoped_release release;
          (naive ? deepgrad::max_pool2d_forward_naive<T> : deepgrad::max_pool2d_forward<T>)(
              py_, pi, px, s);
        });
      },
      py::arg("y"), py::arg("indices"), py::arg("x"), py::arg("kernel_size"), py::arg("stride"),
      py::arg("padding"), py::arg("dilation"), py::arg("naive") = false,
      "y and indices (int64, flat h*W+w) of the max over each window of x, written in place.");
  m.def(
      "max_pool2d_backward",
      [one, zero](py::array dx, const py::array& dy, const py::array& indices, bool naive) {
        const char* op = "max_pool2d_backward";
        const Pool2dShape s = pool_shape(op, dx, "dx", true, dy, "dy", false, one, one, zero, one);
        check_array(op, "indices", indices, int64_dtype(), deepgrad_bind::dims_of(dy), false);
        with_dtype(dx, [&](auto z) {
          using T = decltype(z);
          T* pdx = out_ptr<T>(dx);
          const T* pdy = in_ptr<T>(dy);
          const int64_t* pi = in_ptr<int64_t>(indices);
          py::gil_scoped_release release;
          (naive ? deepgrad::max_pool2d_backward_naive<T> : deepgrad::max_pool2d_backward<T>)(
              pdx, pdy, pi, s);
        });
      },
      py::arg("dx"), py::arg("dy"), py::arg("indices"), py::arg("naive") = false,
      "dx = dy scattered through the saved indices (other entries 0), written in place.");
  m.def(
      "avg_pool2d_forward",
      [one](py::array y, const py::array& x, Pair kernel_size, Pair stride, Pair padding,
            bool count_include_pad, int64_t divisor_override, bool naive) {
        const Pool2dShape s = pool_shape("avg_pool2d_forward", x, "x", false, y, "y", true,
                                         kernel_size, stride, padding, one);
        with_dtype(x, [&](auto z) {
          using T = decltype(z);
          T* py_ = out_ptr<T>(y);
          const T* px = in_ptr<T>(x);
          py::gil_scoped_release release;
          (naive ? deepgrad::avg_pool2d_forward_naive<T> : deepgrad::avg_pool2d_forward<T>)(
              py_, px, s, count_include_pad, divisor_override);
        });
      },
      py::arg("y"), py::arg("x"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
      py::arg("count_include_pad"), py::arg("divisor_override"), py::arg("naive") = false,
      "y = window averages of x (PyTorch's divisor rules; divisor_override 0 means none).");
  m.def(
      "avg_pool2d_backward",
      [one](py::array dx, const py::array& dy, Pair kernel_size, Pair stride, Pair padding,
            bool count_include_pad, int64_t divisor_override, bool naive) {
        const Pool2dShape s = pool_shape("avg_pool2d_backward", dx, "dx", true, dy, "dy", false,
                                         kernel_size, stride, padding, one);
        with_dtype(dx, [&](auto z) {
          using T = decltype(z);
          T* pdx = out_ptr<T>(dx);
          const T* pdy = in_ptr<T>(dy);
          py::gil_scoped_release release;
          (naive ? deepgrad::avg_pool2d_backward_naive<T> : deepgrad::avg_pool2d_backward<T>)(
              pdx, pdy, s, count_include_pad, divisor_override);
        });
      },
      py::arg("dx"), py::arg("dy"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
      py::arg("count_include_pad"), py::arg("divisor_override"), py::arg("naive") = false,
      "The gradient of avg_pool2d_forward, written into dx.");
  m.def(
      "adaptive_avg_pool2d_forward",
      [one, zero](py::array y, const py::array& x, bool naive) {
        const Pool2dShape s = pool_shape("adaptive_avg_pool2d_forward", x, "x", false, y, "y",
                                         true, one, one, zero, one);
        with_dtype(x, [&](auto z) {
          using T = decltype(z);
          T* py_ = out_ptr<T>(y);
          const T* px = in_ptr<T>(x);
          py::gil_scoped_release release;
          (naive ? deepgrad::adaptive_avg_pool2d_forward_naive<T>
                 : deepgrad::adaptive_avg_pool2d_forward<T>)(py_, px, s);
        });
      },
      py::arg("y"), py::arg("x"), py::arg("naive") = false,
      "y (N, C, P, Q) = adaptive average pooling of x (N, C, H, W), written in place.");
  m.def(
      "adaptive_avg_pool2d_backward",
      [one, zero](py::array dx, const py::array& dy, bool naive) {
        const Pool2dShape s = pool_shape("adaptive_avg_pool2d_backward", dx, "dx", true, dy,
                                         "dy", false, one, one, zero, one);
        with_dtype(dx, [&](auto z) {
          using T = decltype(z);
          T* pdx = out_ptr<T>(dx);
          const T* pdy = in_ptr<T>(dy);
          py::gil_scoped_release release;
          (naive ? deepgrad::adaptive_avg_pool2d_backward_naive<T>
                 : deepgrad::adaptive_avg_pool2d_backward<T>)(pdx, pdy, s);
        });
      },
      py::arg("dx"), py::arg("dy"), py::arg("naive") = false,
      "The gradient of adaptive_avg_pool2d_forward, written into dx.");
}
