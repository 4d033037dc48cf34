// deepgrad._C.lstm_forward / lstm_backward (+ _naive twins): checks, then the kernel without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/lstm.h"

namespace py = pybind11;
using namespace deepgrad_bind;

namespace {

const int64_t* lengths_ptr(const std::string& op, const py::object& lengths, int64_t B) {
  return optional_ptr<int64_t>(op, "lengths", lengths, py::dtype::of<int64_t>(), {B}, false);
}

struct Sizes {
  int64_t T, B, I, H;
};

// x (T, B, I), w_ih (4H, I), w_hh (4H, H), and the saved or written hs, cs (T, B, H), gates (T, B, 4H).
Sizes check_layer(const std::string& op, const py::array& x, const py::array& w_ih, const py::array& w_hh,
                  const py::array& hs, const py::array& cs, const py::array& gates, bool out) {
  is_float32(op, "x", x);
  check_array(op, "x", x, x.dtype(), {-1, -1, -1}, false);
  const int64_t T = x.shape(0), B = x.shape(1), I = x.shape(2);
  check_array(op, "w_hh", w_hh, x.dtype(), {-1, -1}, false);
  const int64_t H = w_hh.shape(1);
  check_array(op, "w_hh", w_hh, x.dtype(), {4 * H, H}, false);
  check_array(op, "w_ih", w_ih, x.dtype(), {4 * H, I}, false);
  check_array(op, "hs", hs, x.dtype(), {T, B, H}, out);
  check_array(op, "cs", cs, x.dtype(), {T, B, H}, out);
  check_array(op, "gates", gates, x.dtype(), {T, B, 4 * H}, out);
  return {T, B, I, H};
}

template <bool Naive>
void forward(py::array hs, py::array cs, py::array gates, py::array x, py::array w_ih, py::array w_hh,
             py::object b, py::object h0, py::object c0, py::object lengths, bool reverse) {
  const std::string op = Naive ? "lstm_forward_naive" : "lstm_forward";
  const Sizes z = check_layer(op, x, w_ih, w_hh, hs, cs, gates, true);
  const int64_t T = z.T, B = z.B, I = z.I, H = z.H;
  const int64_t* lp = lengths_ptr(op, lengths, B);
  with_dtype(x, [&](auto tag) {
    using F = decltype(tag);
    const F* bp = optional_ptr<F>(op, "b", b, x.dtype(), {4 * H}, false);
    const F* h0p = optional_ptr<F>(op, "h0", h0, x.dtype(), {B, H}, false);
    const F* c0p = optional_ptr<F>(op, "c0", c0, x.dtype(), {B, H}, false);
    F* hsp = static_cast<F*>(hs.mutable_data());
    F* csp = static_cast<F*>(cs.mutable_data());
    F* gp = static_cast<F*>(gates.mutable_data());
    const F* xp = static_cast<const F*>(x.data());
    const F* wip = static_cast<const F*>(w_ih.data());
    const F* whp = static_cast<const F*>(w_hh.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::lstm_forward_naive<F> : deepgrad::lstm_forward<F>)(hsp, csp, gp, xp, wip, whp, bp, h0p, c0p,
                                                                         lp, T, B, I, H, reverse);
  });
}

template <bool Naive>
void backward(py::object dx, py::object dw_ih, py::object dw_hh, py::object db, py::object dh0, py::object dc0,
              py::object dhs, py::object dhn, py::object dcn, py::array gates, py::array hs, py::array cs,
              py::array x, py::array w_ih, py::array w_hh, py::object h0, py::object c0, py::object lengths,
              bool reverse) {
  const std::string op = Naive ? "lstm_backward_naive" : "lstm_backward";
  const Sizes z = check_layer(op, x, w_ih, w_hh, hs, cs, gates, false);
  const int64_t T = z.T, B = z.B, I = z.I, H = z.H;
  const int64_t* lp = lengths_ptr(op, lengths, B);
  with_dtype(x, [&](auto tag) {
    using F = decltype(tag);
    const auto& dt = x.dtype();
    F* dxp = optional_ptr<F>(op, "dx", dx, dt, {T, B, I}, true);
    F* dwip = optional_ptr<F>(op, "dw_ih", dw_ih, dt, {4 * H, I}, true);
    F* dwhp = optional_ptr<F>(op, "dw_hh", dw_hh, dt, {4 * H, H}, true);
    F* dbp = optional_ptr<F>(op, "db", db, dt, {4 * H}, true);
    F* dh0p = optional_ptr<F>(op, "dh0", dh0, dt, {B, H}, true);
    F* dc0p = optional_ptr<F>(op, "dc0", dc0, dt, {B, H}, true);
    const F* dhsp = optional_ptr<F>(op, "dhs", dhs, dt, {T, B, H}, false);
    const F* dhnp = optional_ptr<F>(op, "dhn", dhn, dt, {B, H}, false);
    const F* dcnp = optional_ptr<F>(op, "dcn", dcn, dt, {B, H}, false);
    const F* h0p = optional_ptr<F>(op, "h0", h0, dt, {B, H}, false);
    const F* c0p = optional_ptr<F>(op, "c0", c0, dt, {B, H}, false);
    const F* gp = static_cast<const F*>(gates.data());
    const F* hsp = static_cast<const F*>(hs.data());
    const F* csp = static_cast<const F*>(cs.data());
    const F* xp = static_cast<const F*>(x.data());
    const F* wip = static_cast<const F*>(w_ih.data());
    const F* whp = static_cast<const F*>(w_hh.data());
    py::gil_scoped_release release;
    (Naive ? deepgrad::lstm_backward_naive<F> : deepgrad::lstm_backward<F>)(
        dxp, dwip, dwhp, dbp, dh0p, dc0p, dhsp, dhnp, dcnp, gp, hsp, csp, xp, wip, whp, h0p, c0p, lp, T, B, I, H,
        reverse);
  });
}

}  // namespace

void bind_lstm(py::module_& m) {
  const char* fdoc =
      "One LSTM layer and direction over time-major x (T, B, I); writes hs, cs (T, B, H) and the activated gates "
      "(T, B, 4H). b = b_ih + b_hh; b, h0, c0 and lengths (int64, (B,)) may be None.";
  const char* bdoc =
      "BPTT for lstm_forward: writes dx, dw_ih, dw_hh, db, dh0, dc0 (None skips one) from dhs (T, B, H), dhn, dcn "
      "(B, H) (None: zero).";
  for (bool naive : {false, true}) {
    const char* name = naive ? "lstm_forward_naive" : "lstm_forward";
    m.def(name, naive ? &forward<true> : &forward<false>, py::arg("hs"), py::arg("cs"), py::arg("gates"),
          py::arg("x"), py::arg("w_ih"), py::arg("w_hh"), py::arg("b"), py::arg("h0"), py::arg("c0"),
          py::arg("lengths"), py::arg("reverse") = false, fdoc);
    const char* bname = naive ? "lstm_backward_naive" : "lstm_backward";
    m.def(bname, naive ? &backward<true> : &backward<false>, py::arg("dx"), py::arg("dw_ih"), py::arg("dw_hh"),
          py::arg("db"), py::arg("dh0"), py::arg("dc0"), py::arg("dhs"), py::arg("dhn"), py::arg("dcn"),
          py::arg("gates"), py::arg("hs"), py::arg("cs"), py::arg("x"), py::arg("w_ih"), py::arg("w_hh"),
          py::arg("h0"), py::arg("c0"), py::arg("lengths"), py::arg("reverse") = false, bdoc);
  }
}
