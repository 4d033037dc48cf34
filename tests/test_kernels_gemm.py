"""deepgrad._C.gemm (and its naive twin) against NumPy on awkward shapes.

The reference is float64 np.matmul. The tolerance is the classic forward-error bound of a
dot product, |fl(x.y) - x.y| <= (K + 2) * eps * sum|x_p y_p| (plus the alpha/beta terms),
so it never flakes on a correct kernel while any indexing slip (a wrong, missing or repeated
term) is orders of magnitude over it.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgrad import _C
from kernel_settings import SIMD_LEVELS, at_simd_level, num_threads

DTYPES = [np.float32, np.float64]
TRANS = [(False, False), (False, True), (True, False), (True, True)]


@pytest.fixture(params=SIMD_LEVELS)
def simd(request):
    with at_simd_level(request.param):
        yield request.param


@pytest.fixture(params=[1, 2], ids=["threads1", "threads2"])
def threads(request):
    with num_threads(request.param):
        yield request.param


def make_operands(rng, M, N, K, trans_a, trans_b, dtype, batch_a=1, batch_b=1):
    a = rng.standard_normal((batch_a, K, M) if trans_a else (batch_a, M, K)).astype(dtype)
    b = rng.standard_normal((batch_b, N, K) if trans_b else (batch_b, K, N)).astype(dtype)
    return a, b


def op(x, trans):
    return np.swapaxes(x, 1, 2) if trans else x


def check(got, a, b, c0, trans_a, trans_b, alpha, beta):
    """got == alpha * op(a) @ op(b) + beta * c0 within the dot-product error bound."""
    dtype = got.dtype
    A = op(a, trans_a).astype(np.float64)
    B = op(b, trans_b).astype(np.float64)
    K = A.shape[2]
    ref = alpha * np.matmul(A, B)
    scale = abs(alpha) * np.matmul(np.abs(A), np.abs(B))
    if beta != 0:
        c64 = c0.astype(np.float64)
        ref = ref + beta * c64
        scale = scale + abs(beta) * np.abs(c64)
    eps = np.finfo(dtype).eps
    tol = (K + 2) * eps * scale + np.finfo(dtype).tiny
    assert got.shape == ref.shape
    assert np.all(np.isfinite(got)), "non-finite values in the result"
    err = np.abs(got.astype(np.float64) - ref)
    bad = err > tol
    if bad.any():
        idx = tuple(int(i[0]) for i in np.nonzero(bad))
        pytest.fail(f"mismatch at {idx}: got {got[idx]!r}, expected {ref[idx]!r} "
                    f"(error {err[idx]:.3g} > tolerance {tol[idx]:.3g}); {bad.sum()} bad entries")


def run(fn, a, b, c, trans_a, trans_b, alpha=1.0, beta=0.0):
    fn(a, b, c, trans_a, trans_b, alpha, beta)
    return c


# Sizes around the micro-tiles (6x16 float, 6x8 double, 4x8 / 4x4 portable), the skinny
# path (M or N <= 8), primes, and a few past the cache blocks (kc = 256, mc = 72..144).
SHAPES = [
    (1, 1, 1),
    (1, 7, 5),
    (3, 1, 13),
    (2, 33, 17),
    (31, 3, 7),
    (5, 64, 9),
    (6, 16, 8),
    (7, 13, 31),
    (8, 8, 8),
    (9, 17, 2),
    (13, 31, 67),
    (67, 127, 31),
    (127, 13, 7),
    (12, 48, 257),
    (145, 33, 19),
]
LARGE_SHAPES = [(257, 129, 515), (150, 290, 300)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("trans_a,trans_b", TRANS, ids=["nn", "nt", "tn", "tt"])
@pytest.mark.parametrize("M,N,K", SHAPES, ids=lambda s: str(s))
def test_gemm_matches_numpy(simd, threads, M, N, K, trans_a, trans_b, dtype):
    rng = np.random.default_rng(M * 10007 + N * 101 + K)
    a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype)
    c = np.full((1, M, N), np.nan, dtype=dtype)  # beta == 0 must not read c
    check(run(_C.gemm, a, b, c, trans_a, trans_b), a, b, c, trans_a, trans_b, 1.0, 0.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("M,N,K", LARGE_SHAPES, ids=lambda s: str(s))
def test_gemm_large(simd, threads, M, N, K, dtype):
    rng = np.random.default_rng(M + N + K)
    # The portable kernel is slow: one transpose combination is enough for it at this size.
    for trans_a, trans_b in TRANS if simd != "portable" else TRANS[:1]:
        a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype)
        c0 = rng.standard_normal((1, M, N)).astype(dtype)
        got = run(_C.gemm, a, b, c0.copy(), trans_a, trans_b, 0.75, 0.5)
        check(got, a, b, c0, trans_a, trans_b, 0.75, 0.5)


def check_all_transposes(rng, M, N, K, dtype, fn=_C.gemm):
    """Each transpose combination once, each with its own alpha and beta (beta = 0 with a NaN c)."""
    for (trans_a, trans_b), (alpha, beta) in zip(TRANS, [(1.0, 0.0), (0.5, 1.0), (-1.5, 0.25), (2.0, -1.0)]):
        a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype)
        c0 = rng.standard_normal((1, M, N)).astype(dtype)
        if beta == 0.0:
            c0[:] = np.nan
        got = run(fn, a, b, c0.copy(), trans_a, trans_b, alpha, beta)
        check(got, a, b, c0, trans_a, trans_b, alpha, beta)


# B packed once, then products with it (the LSTM's per-step route, gemm_pack_b + gemm_packed): rows around
# the skinny cut-off (3), the few-rows kernel's tile (8, AVX-512) and its limit (16), then the blocked path's
# pre-packed panels; N around the few-rows panels (32 float / 16 double wide) and the 6x16 tiles; K = 1, primes.
PREPACKED_SHAPES = [(m, n, k) for m in (1, 3, 4, 5, 8, 9, 13, 16, 17, 20) for n, k in ((33, 7), (100, 64))]
PREPACKED_SHAPES += [(8, 1, 5), (8, 16, 1), (7, 47, 131), (16, 257, 300), (12, 4100, 3)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("M,N,K", PREPACKED_SHAPES, ids=lambda s: str(s))
def test_gemm_prepacked(simd, threads, M, N, K, dtype):
    check_all_transposes(np.random.default_rng(M * 7919 + N * 13 + K), M, N, K, dtype, fn=_C.gemm_prepacked)


# Shapes on either side of the blocked path's cut-offs (float32 sizes; float64 doubles the bytes):
# A read in place when op(A) <= 256 KiB or N <= 8*nr (A stored M x K) / 4*nr (stored K x M); B read in place when
# op(B) <= 32 KiB; C computed transposed when N < nr (16) and M*N <= 65536 (MLP output layers, N = 10).
CUTOFF_SHAPES = [
    (128, 130, 512),  # op(A) exactly 256 KiB in float32: in place
    (129, 130, 512),  # one row more: packed
    (260, 64, 260),   # op(A) over 256 KiB but N = 4*nr: in place
    (260, 65, 260),   # N one past it: in place when A is stored M x K, packed when stored K x M
    (260, 128, 260),  # N = 8*nr: in place when A is stored M x K
    (260, 129, 260),  # N one past it: packed
    (20, 64, 128),    # op(B) exactly 32 KiB: B in place
    (20, 65, 128),    # B in place with a ragged, packed last panel
    (64, 10, 128),    # MLP output layer: transposed C
    (100, 9, 50),     # transposed, ragged in both tiles
    (6553, 10, 3),    # M*N just under the transposed path's limit
    (6554, 10, 3),    # just over it
    (61, 15, 37),     # K not a multiple of the 8x8 transpose used to pack B^T
    (40, 4100, 9),    # two N blocks (nc = 4080 in float32), each thread's panels packed row by row, ragged last
    (37, 100, 1100),  # K >= 512 per thread, narrow small C: K split between threads (ragged halves), summed
    (130, 60, 1501),  # the same with several K blocks per thread
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("M,N,K", CUTOFF_SHAPES, ids=lambda s: str(s))
def test_gemm_path_cutoffs(threads, M, N, K, dtype):
    # The cut-offs are set for the AVX2 tiles (the default where the CPU has them).
    rng = np.random.default_rng(M * 31 + N * 7 + K)
    check_all_transposes(rng, M, N, K, dtype)


# The skinny path with every tiny size up to its cut-off (8) on either side: its dot form takes
# 4 rows of the big operand by up to 3 vectors per pass, or 3 rows by 4 vectors when the tiny
# size is a multiple of 4 (1..8 covers every remainder of both), its axpy form four rows per pass; K = 3 and 21 leave tails after the 4-row steps and the SIMD widths. The
# last four are big enough for two threads, each with a ragged chunk (515 rows) of the big side.
SKINNY_SHAPES = [(s, 37, k) for s in range(1, 10) for k in (3, 21)] + [(37, s, 21) for s in range(1, 10)]
SKINNY_SHAPES += [(8, 1030, 260), (1030, 8, 260), (3, 1030, 700), (1030, 2, 1030)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("M,N,K", SKINNY_SHAPES, ids=lambda s: str(s))
def test_gemm_skinny(simd, threads, M, N, K, dtype):
    rng = np.random.default_rng(M * 131 + N * 17 + K)
    check_all_transposes(rng, M, N, K, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (-0.5, 2.0), (2.5, 0.0), (1.0, -1.0), (0.0, 3.0)])
@pytest.mark.parametrize("M,N,K", [(7, 13, 31), (2, 40, 9), (40, 5, 9), (70, 70, 70)])
def test_gemm_alpha_beta(simd, M, N, K, alpha, beta, dtype):
    rng = np.random.default_rng(7)
    for trans_a, trans_b in TRANS:
        a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype)
        c0 = rng.standard_normal((1, M, N)).astype(dtype)
        got = run(_C.gemm, a, b, c0.copy(), trans_a, trans_b, alpha, beta)
        check(got, a, b, c0, trans_a, trans_b, alpha, beta)


@pytest.mark.parametrize("M,N,K", [(5, 7, 3), (1, 9, 4), (40, 40, 40)])
def test_beta_zero_ignores_nan_and_inf(simd, M, N, K):
    rng = np.random.default_rng(3)
    a, b = make_operands(rng, M, N, K, False, False, np.float32)
    c = np.full((1, M, N), np.nan, dtype=np.float32)
    c[0, 0, 0] = np.inf
    run(_C.gemm, a, b, c, False, False, 2.0, 0.0)
    check(c, a, b, c, False, False, 2.0, 0.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("batch_a,batch_b", [(1, 5), (5, 1), (5, 5), (1, 1)])
@pytest.mark.parametrize("M,N,K", [(7, 13, 31), (3, 20, 11), (33, 65, 40)])
def test_gemm_batched_broadcast(simd, threads, M, N, K, batch_a, batch_b, dtype):
    rng = np.random.default_rng(11)
    batch = max(batch_a, batch_b)
    for trans_a, trans_b in TRANS:
        a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype, batch_a, batch_b)
        c0 = rng.standard_normal((batch, M, N)).astype(dtype)
        got = run(_C.gemm, a, b, c0.copy(), trans_a, trans_b, 1.5, -0.5)
        check(got, a, b, c0, trans_a, trans_b, 1.5, -0.5)


def test_gemm_many_small_batches_threads(threads):
    # Enough products that threads go over the batch rather than into each product.
    rng = np.random.default_rng(5)
    a, b = make_operands(rng, 24, 40, 36, False, True, np.float32, 32, 32)
    c = np.empty((32, 24, 40), np.float32)
    check(run(_C.gemm, a, b, c, False, True), a, b, c, False, True, 1.0, 0.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("trans_a,trans_b", TRANS, ids=["nn", "nt", "tn", "tt"])
@pytest.mark.parametrize("M,N,K", [(1, 1, 1), (7, 13, 31), (17, 5, 64), (33, 40, 3)])
def test_gemm_naive_matches_numpy(M, N, K, trans_a, trans_b, dtype):
    rng = np.random.default_rng(M + 3 * N + 7 * K)
    a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype, 1, 3)
    c0 = rng.standard_normal((3, M, N)).astype(dtype)
    got = run(_C.gemm_naive, a, b, c0.copy(), trans_a, trans_b, 0.5, 1.5)
    check(got, a, b, c0, trans_a, trans_b, 0.5, 1.5)


@pytest.mark.parametrize("M,N,K", [(0, 5, 3), (4, 0, 3), (0, 0, 0)])
def test_gemm_empty_output(M, N, K):
    a = np.ones((1, M, K), np.float32)
    b = np.ones((1, K, N), np.float32)
    c = np.empty((1, M, N), np.float32)
    _C.gemm(a, b, c, False, False)
    _C.gemm_naive(a, b, c, False, False)


@pytest.mark.parametrize("fn", [_C.gemm, _C.gemm_naive], ids=["gemm", "gemm_naive"])
def test_gemm_k_zero_scales_c(fn):
    a = np.ones((1, 3, 0), np.float64)
    b = np.ones((1, 0, 4), np.float64)
    c = np.full((1, 3, 4), 2.0)
    fn(a, b, c, False, False, 1.0, 0.5)
    np.testing.assert_array_equal(c, np.full((1, 3, 4), 1.0))
    c[:] = np.nan
    fn(a, b, c, False, False, 1.0, 0.0)
    np.testing.assert_array_equal(c, np.zeros((1, 3, 4)))


def test_gemm_empty_batch():
    a = np.ones((1, 2, 3), np.float32)
    b = np.ones((0, 3, 4), np.float32)
    c = np.empty((0, 2, 4), np.float32)
    _C.gemm(a, b, c, False, False)


@settings(max_examples=60, deadline=None)
@given(
    M=st.integers(1, 24),
    N=st.integers(1, 40),
    K=st.integers(0, 40),
    batch=st.integers(1, 3),
    broadcast=st.sampled_from(["none", "a", "b"]),
    trans_a=st.booleans(),
    trans_b=st.booleans(),
    dtype=st.sampled_from(DTYPES),
    alpha=st.sampled_from([1.0, -2.0, 0.5]),
    beta=st.sampled_from([0.0, 1.0, -0.25]),
    seed=st.integers(0, 2**16),
)
def test_gemm_property(M, N, K, batch, broadcast, trans_a, trans_b, dtype, alpha, beta, seed):
    rng = np.random.default_rng(seed)
    batch_a = 1 if broadcast == "a" else batch
    batch_b = 1 if broadcast == "b" else batch
    a, b = make_operands(rng, M, N, K, trans_a, trans_b, dtype, batch_a, batch_b)
    c0 = rng.standard_normal((batch, M, N)).astype(dtype)
    if beta == 0.0:
        c0[:] = np.nan
    for fn in (_C.gemm, _C.gemm_naive):
        got = run(fn, a, b, c0.copy(), trans_a, trans_b, alpha, beta)
        check(got, a, b, c0, trans_a, trans_b, alpha, beta)


# ---- errors ----------------------------------------------------------------------------

def f32(*shape):
    return np.zeros(shape, np.float32)


def test_error_inner_dimensions():
    with pytest.raises(ValueError, match=r"op\(a\) is 3x4 but op\(b\) is 5x6: inner dimensions 4 != 5"):
        _C.gemm(f32(1, 3, 4), f32(1, 5, 6), f32(1, 3, 6), False, False)
    with pytest.raises(ValueError, match=r"op\(a\) is 4x3 .* inner dimensions 3 != 5"):
        _C.gemm(f32(1, 3, 4), f32(1, 5, 6), f32(1, 4, 6), True, False)
    with pytest.raises(ValueError, match=r"gemm_naive: op\(a\) is 3x4 but op\(b\) is 6x5"):
        _C.gemm_naive(f32(1, 3, 4), f32(1, 5, 6), f32(1, 3, 5), False, True)


def test_error_output_shape():
    with pytest.raises(ValueError, match=r"c has shape \(1, 3, 5\) but op\(a\) @ op\(b\) is 3x6"):
        _C.gemm(f32(1, 3, 4), f32(1, 4, 6), f32(1, 3, 5), False, False)


def test_error_batch():
    with pytest.raises(ValueError, match=r"a has batch 2 .* c has batch 3; expected 1 or 3"):
        _C.gemm(f32(2, 3, 4), f32(1, 4, 6), f32(3, 3, 6), False, False)
    with pytest.raises(ValueError, match=r"b has batch 2"):
        _C.gemm(f32(1, 3, 4), f32(2, 4, 6), f32(3, 3, 6), False, False)


def test_error_ndim():
    with pytest.raises(ValueError, match=r"a must be 3-D .* got shape \(3, 4\)"):
        _C.gemm(f32(3, 4), f32(1, 4, 6), f32(1, 3, 6), False, False)
    with pytest.raises(ValueError, match=r"c must be 3-D .* got shape \(1, 1, 3, 6\)"):
        _C.gemm(f32(1, 3, 4), f32(1, 4, 6), f32(1, 1, 3, 6), False, False)


def test_error_dtypes():
    with pytest.raises(TypeError, match=r"dtypes differ: a is float32 but b is float64"):
        _C.gemm(f32(1, 3, 4), np.zeros((1, 4, 6)), f32(1, 3, 6), False, False)
    with pytest.raises(TypeError, match=r"a has dtype int64; expected float32 or float64"):
        _C.gemm(np.zeros((1, 3, 4), np.int64), f32(1, 4, 6), f32(1, 3, 6), False, False)
    with pytest.raises(TypeError):  # not an ndarray at all
        _C.gemm([[[1.0]]], f32(1, 1, 1), f32(1, 1, 1), False, False)


def test_error_layout_and_memory():
    a = f32(1, 4, 3).transpose(0, 2, 1)
    with pytest.raises(ValueError, match=r"a with shape \(1, 3, 4\) is not C-contiguous"):
        _C.gemm(a, f32(1, 4, 6), f32(1, 3, 6), False, False)
    c = f32(1, 3, 6)
    c.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.gemm(f32(1, 3, 4), f32(1, 4, 6), c, False, False)
    x = f32(1, 4, 4)
    with pytest.raises(ValueError, match="c overlaps a"):
        _C.gemm(x, f32(1, 4, 4), x, False, False)


# ---- module information ------------------------------------------------------------------

def test_info_functions():
    assert _C.simd_level() in ("avx512", "avx2", "portable")
    assert _C.simd_level() == SIMD_LEVELS[0]  # the best level is the default
    assert isinstance(_C.has_openmp(), bool)
    assert _C.has_cuda() is False
    original = _C.get_num_threads()
    try:
        _C.set_num_threads(1)
        assert _C.get_num_threads() == 1
        if _C.has_openmp():
            _C.set_num_threads(2)
            assert _C.get_num_threads() == 2
    finally:
        _C.set_num_threads(original)
    with pytest.raises(ValueError, match=">= 1"):
        _C.set_num_threads(0)
    with pytest.raises(ValueError, match="unknown or not supported"):
        _C._set_simd_level("avx9000")


@pytest.mark.parametrize("level", SIMD_LEVELS[1:])
def test_env_forces_a_lower_level(level):
    code = (
        "import numpy as np\n"
        "from deepgrad import _C\n"
        f"assert _C.simd_level() == {level!r}, _C.simd_level()\n"
        "a = np.arange(6, dtype=np.float32).reshape(1, 2, 3)\n"
        "b = np.arange(12, dtype=np.float32).reshape(1, 3, 4)\n"
        "c = np.empty((1, 2, 4), np.float32)\n"
        "_C.gemm(a, b, c, False, False)\n"
        "assert np.array_equal(c, a @ b)\n"
    )
    env = dict(os.environ, DEEPGRAD_SIMD=level)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def _repeat_at_two_threads(M, N, K, trans_b, reps, seed):
    """The same float32 product `reps` times with two threads: races between them show as sporadic errors."""
    rng = np.random.default_rng(seed)
    a, b = make_operands(rng, M, N, K, False, trans_b, np.float32)
    c = np.empty((1, M, N), np.float32)
    with num_threads(2):
        for _ in range(reps):
            check(run(_C.gemm, a, b, c, False, trans_b), a, b, c, False, trans_b, 1.0, 0.0)


def test_column_split_threads_without_barriers_keep_their_panels_apart():
    """Threads that split only N pack their own B panels and run through the K blocks unsynchronised; with
    K = 700 in blocks of 234, 233, 233 one thread can be a block ahead with a different panel size. Its panels
    must not overlap the other's (they once did: ~94% of these products came out wrong)."""
    _repeat_at_two_threads(24, 160, 700, True, 50, seed=5)


def test_column_split_threads_wait_between_n_blocks():
    """N = 8100 in float32 is two N blocks of 254 and 253 panels: the threads' stretches of the packing buffer
    differ between them, so a thread must not pack the second block while the other still reads the first (it
    once did: about a third of these products had columns 2016-2031 wrong)."""
    _repeat_at_two_threads(24, 8100, 96, False, 40, seed=6)
