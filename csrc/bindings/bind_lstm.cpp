// deepgrad._C.lstm_forward / lstm_backward (+ _naive twins) and gru_forward / gru_backward: checks, then the kernel
// without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array_checks.h"
#include "deepgrad/gru.h"
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

// x (T, B, I), w_ih (nG*H, I), w_hh (nG*H, H), and the saved or written hs and `second` (T, B, H: LSTM's cs, GRU's
// hn), gates (T, B, nG*H), for a cell with nG gates.
Sizes check_layer(const std::string& op, int gates_per_cell, const py::array& x, const py::array& w_ih,
                  const py::array& w_hh, const py::array& hs, const char* second_name, const py::array& second,
                  const py::array& gates, bool out) {
  is_float32(op, "x", x);
  check_array(op, "x", x, x.dtype(), {-1, -1, -1}, false);
  const int64_t T = x.shape(0), B = x.shape(1), I = x.shape(2);
  check_array(op, "w_hh", w_hh, x.dtype(), {-1, -1}, false);
  const int64_t H = w_hh.shape(1), G = gates_per_cell * H;
  check_array(op, "w_hh", w_hh, x.dtype(), {G, H}, false);
  check_array(op, "w_ih", w_ih, x.dtype(), {G, I}, false);
  check_array(op, "hs", hs, x.dtype(), {T, B, H}, out);
  check_array(op, second_name, second, x.dtype(), {T, B, H}, out);
  check_array(op, "gates", gates, x.dtype(), {T, B, G}, out);
  return {T, B, I, H};
}

template <bool Naive>
void forward(py::array hs, py::array cs, py::array gates, py::array x, py::array w_ih, py::array w_hh,
             py::object b, py::object h0, py::object c0, py::object lengths, bool reverse) {
  const std::string op = Naive ? "lstm_forward_naive" : "lstm_forward";
  const Sizes z = check_layer(op, 4, x, w_ih, w_hh, hs, "cs", cs, gates, true);
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
  const Sizes z = check_layer(op, 4, x, w_ih, w_hh, hs, "cs", cs, gates, false);
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

void gru_forward(py::array hs, py::array gates, py::array hn, py::array x, py::array w_ih, py::array w_hh,
                 py::object b_ih, py::object b_hh, py::object h0, py::object lengths, bool reverse) {
  const std::string op = "gru_forward";
  const Sizes z = check_layer(op, 3, x, w_ih, w_hh, hs, "hn", hn, gates, true);
  const int64_t T = z.T, B = z.B, I = z.I, H = z.H;
  const int64_t* lp = lengths_ptr(op, lengths, B);
  with_dtype(x, [&](auto tag) {
    using F = decltype(tag);
    const F* bip = optional_ptr<F>(op, "b_ih", b_ih, x.dtype(), {3 * H}, false);
    const F* bhp = optional_ptr<F>(op, "b_hh", b_hh, x.dtype(), {3 * H}, false);
    const F* h0p = optional_ptr<F>(op, "h0", h0, x.dtype(), {B, H}, false);
    F* hsp = static_cast<F*>(hs.mutable_data());
    F* gp = static_cast<F*>(gates.mutable_data());
    F* hnp = static_cast<F*>(hn.mutable_data());
    const F* xp = static_cast<const F*>(x.data());
    const F* wip = static_cast<const F*>(w_ih.data());
    const F* whp = static_cast<const F*>(w_hh.data());
    py::gil_scoped_release release;
    deepgrad::gru_forward<F>(hsp, gp, hnp, xp, wip, whp, bip, bhp, h0p, lp, T, B, I, H, reverse);
  });
}

void gru_backward(py::object dx, py::object dw_ih, py::object dw_hh, py::object db_ih, py::object db_hh,
                  py::object dh0, py::object dhs, py::object dhn, py::array gates, py::array hn, py::array hs,
                  py::array x, py::array w_ih, py::array w_hh, py::object h0, py::object lengths, bool reverse) {
  const std::string op = "gru_backward";
  const Sizes z = check_layer(op, 3, x, w_ih, w_hh, hs, "hn", hn, gates, false);
  const int64_t T = z.T, B = z.B, I = z.I, H = z.H;
  const int64_t* lp = lengths_ptr(op, lengths, B);
  with_dtype(x, [&](auto tag) {
    using F = decltype(tag);
    const auto& dt = x.dtype();
    F* dxp = optional_ptr<F>(op, "dx", dx, dt, {T, B, I}, true);
    F* dwip = optional_ptr<F>(op, "dw_ih", dw_ih, dt, {3 * H, I}, true);
    F* dwhp = optional_ptr<F>(op, "dw_hh", dw_hh, dt, {3 * H, H}, true);
    F* dbip = optional_ptr<F>(op, "db_ih", db_ih, dt, {3 * H}, true);
    F* dbhp = optional_ptr<F>(op, "db_hh", db_hh, dt, {3 * H}, true);
    F* dh0p = optional_ptr<F>(op, "dh0", dh0, dt, {B, H}, true);
    const F* dhsp = optional_ptr<F>(op, "dhs", dhs, dt, {T, B, H}, false);
    const F* dhnp = optional_ptr<F>(op, "dhn", dhn, dt, {B, H}, false);
    const F* h0p = optional_ptr<F>(op, "h0", h0, dt, {B, H}, false);
    const F* gp = static_cast<const F*>(gates.data());
    const F* hnp = static_cast<const F*>(hn.data());
    const F* hsp = static_cast<const F*>(hs.data());
    const F* xp = static_cast<const F*>(x.data());
    const F* wip = static_cast<const F*>(w_ih.data());
    const F* whp = static_cast<const F*>(w_hh.data());
    py::gil_scoped_release release;
    deepgrad::gru_backward<F>(dxp, dwip, dwhp, dbip, dbhp, dh0p, dhsp, dhnp, gp, hnp, hsp, xp, wip, whp, h0p, lp, T,
                              B, I, H, reverse);
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
  m.def("gru_forward", &gru_forward, py::arg("hs"), py::arg("gates"), py::arg("hn"), py::arg("x"), py::arg("w_ih"),
        py::arg("w_hh"), py::arg("b_ih"), py::arg("b_hh"), py::arg("h0"), py::arg("lengths"),
        py::arg("reverse") = false,
        "One GRU layer and direction over time-major x (T, B, I); writes hs (T, B, H), the activated gates r, z, n "
        "(T, B, 3H) and hn = W_hn h + b_hn (T, B, H). b_ih, b_hh, h0 and lengths (int64, (B,)) may be None.");
  m.def("gru_backward", &gru_backward, py::arg("dx"), py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"),
        py::arg("db_hh"), py::arg("dh0"), py::arg("dhs"), py::arg("dhn"), py::arg("gates"), py::arg("hn"),
        py::arg("hs"), py::arg("x"), py::arg("w_ih"), py::arg("w_hh"), py::arg("h0"), py::arg("lengths"),
        py::arg("reverse") = false,
        "BPTT for gru_forward: writes dx, dw_ih, dw_hh, db_ih, db_hh, dh0 (None skips one) from dhs (T, B, H) and "
        "dhn (B, H) (None: zero).");
}
