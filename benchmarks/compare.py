#!/usr/bin/env python
"""deepgrad vs NumPy (its BLAS) vs PyTorch, side by side, with the same thread count for all.

    python benchmarks/compare.py                     # every section, 1 and 2 threads
    python benchmarks/compare.py --only gemm --threads 1 --quick
    python benchmarks/compare.py --markdown          # tables for benchmarks/RESULTS.md

OpenMP threads are bound to cores (OMP_PROC_BIND=close, OMP_PLACES=cores; --no-bind leaves them free), for every
library alike. Each thread count and section runs in a fresh child process whose environment sets OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS before NumPy and torch are imported, so every library
starts with the same count; deepgrad and torch are also set explicitly, and threadpoolctl (if
installed) limits NumPy's BLAS and reports which kernel it runs. Libraries are timed in turns, three
each, alternating (a slow spell of the machine then meets all of them), with a pause before each turn
so that one library's idle spinning threads do not steal a core from the next. Each figure is a
library's best over all its turns.

Sections are functions in SECTIONS: gemm, conv (conv2d and max_pool2d forward + backward), rl, lstm
(nn.LSTM and nn.GRU forward + backward), attention (scaled_dot_product_attention forward + backward), gpt (a
char-GPT training step); add more beside them.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

SETTLE_S = 0.15  # pause between libraries: lets the previous one's worker threads go idle


def best_time(fn, min_time=0.25, min_reps=3, max_reps=200, warmup=1):
    for _ in range(warmup):  # page faults, thread start-up, lazy initialisation, optimizer state
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


ROUNDS = 3  # turns per library, alternating with the others


def best_times(fns, min_time=0.25, min_reps=6, warmup=1):
    """{name: best seconds per call} for the libraries' callables, timed in ROUNDS alternating turns of min_time /
    ROUNDS each (a library's figure is its best over its turns): this machine has slow spells lasting seconds, and a
    library timed straight through could meet one that the next did not."""
    best = {}
    for turn in range(ROUNDS):
        for name, fn in fns.items():
            time.sleep(SETTLE_S)
            t = best_time(fn, min_time=min_time / ROUNDS, min_reps=max(1, -(-min_reps // ROUNDS)),
                          warmup=warmup if turn == 0 else 0)
            best[name] = min(best.get(name, t), t)
    return best


# ---- sections ---------------------------------------------------------------------------------

GEMM_SQUARE = [64, 128, 256, 512, 1024, 2048]
# (label, M, N, K): training shapes.
GEMM_TRAINING = [
    ("MLP batch 64: (64x784)@(784x128)", 64, 128, 784),
    ("MLP batch 64: (64x128)@(128x10)", 64, 10, 128),
    ("LSTM-like: (800x256)@(256x4096)", 800, 4096, 256),
    ("LSTM-like: (256x1024)@(1024x4096)", 256, 4096, 1024),
    ("LSTM step batch 1: (1x1024)@(1024x4096)", 1, 4096, 1024),
    ("backward dW: (784x64)@(64x128)", 784, 128, 64),
]


def bench_gemm(libs, quick):
    """float32 C = A @ B; GFLOP/s = 2*M*N*K / time."""
    import numpy as np

    squares = GEMM_SQUARE[:-1] if quick else GEMM_SQUARE
    cases = [(f"{n}x{n}x{n}", n, n, n) for n in squares] + GEMM_TRAINING
    rows = []
    rng = np.random.default_rng(0)
    for label, M, N, K in cases:
        a = rng.standard_normal((M, K)).astype(np.float32)
        b = rng.standard_normal((K, N)).astype(np.float32)
        flops = 2.0 * M * N * K
        fns = {}
        if "deepgrad" in libs:
            _C = libs["deepgrad"]
            a3, b3 = a[None], b[None]
            c3 = np.empty((1, M, N), np.float32)
            fns["deepgrad"] = lambda: _C.gemm(a3, b3, c3, False, False)
        out = np.empty((M, N), np.float32)
        fns["numpy"] = lambda: np.matmul(a, b, out=out)
        if "torch" in libs:
            torch = libs["torch"]
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            tout = torch.empty((M, N), dtype=torch.float32)
            fns["torch"] = lambda: torch.matmul(ta, tb, out=tout)
        rows.append((label, {name: flops / t / 1e9 for name, t in best_times(fns).items()}))
    return rows


# (label, input shape, out channels, padding): the course's CNN layers (digits/MNIST, CIFAR-like).
CONV_CASES = [
    ("conv 3x3 (64,1,28,28)->24", (64, 1, 28, 28), 24, 0),
    ("conv 3x3 (64,24,13,13)->36", (64, 24, 13, 13), 36, 0),
    ("conv 3x3 pad 1 (64,3,32,32)->32", (64, 3, 32, 32), 32, 1),
]


def bench_conv(libs, quick):
    """float32 forward + backward (input, weight and bias gradients) through each library's autograd.

    conv GFLOP/s = 3 * 2*N*K*P*Q*C*R*S / time (forward, input gradient, weight gradient); max_pool2d counts one op
    per window element forward and one per output backward.
    """
    import numpy as np

    import deepgrad as dg
    from deepgrad.ops.conv import conv2d
    from deepgrad.ops.pool import max_pool2d

    rng = np.random.default_rng(0)
    cases = CONV_CASES + [("max_pool2d 2x2 (64,24,26,26)", (64, 24, 26, 26), None, 0)]
    rows = []
    for label, shape, K, pad in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        N, C, H, W = shape
        if K is None:
            P, Q = H // 2, W // 2
            flops = N * C * P * Q * 4 + N * C * P * Q
            arrays = (x,)
            dg_fn = lambda t: max_pool2d(t[0], 2)  # noqa: E731
            torch_fn = lambda t: libs["torch"].nn.functional.max_pool2d(t[0], 2)  # noqa: E731
        else:
            P, Q = H + 2 * pad - 2, W + 2 * pad - 2
            flops = 3 * 2.0 * N * K * P * Q * C * 9
            arrays = (x, rng.standard_normal((K, C, 3, 3)).astype(np.float32), rng.standard_normal(K).astype(np.float32))
            dg_fn = lambda t, pad=pad: conv2d(t[0], t[1], t[2], padding=pad)  # noqa: E731
            torch_fn = lambda t, pad=pad: libs["torch"].nn.functional.conv2d(t[0], t[1], t[2], padding=pad)  # noqa: E731
        g = rng.standard_normal((N, C if K is None else K, P, Q)).astype(np.float32)

        def step(fn, grad, tensors):
            for t in tensors:
                t.grad = None
            fn(tensors).backward(grad)

        fns = {}
        dg_t = [dg.tensor(a, requires_grad=True) for a in arrays]
        dg_g = dg.tensor(g)
        fns["deepgrad"] = lambda: step(dg_fn, dg_g, dg_t)
        if "torch" in libs:
            torch = libs["torch"]
            t_t = [torch.tensor(a, requires_grad=True) for a in arrays]
            t_g = torch.tensor(g)
            fns["torch"] = lambda: step(torch_fn, t_g, t_t)
        rows.append((label, {name: flops / t / 1e9 for name, t in best_times(fns).items()}))
    return rows


# ---- rl: small networks, where each framework call's overhead is the cost ----------------------
# The same code runs on deepgrad and on torch (`lib` is the module), from the same initial weights.

def _rl_mlp(lib, sizes, seed):
    import numpy as np

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [lib.nn.Linear(a, b)] + ([lib.nn.ReLU()] if i < len(sizes) - 2 else [])
    net = lib.nn.Sequential(*layers)
    rng = np.random.default_rng(seed)
    net.load_state_dict({k: lib.from_numpy(rng.uniform(-0.5, 0.5, tuple(v.shape)).astype(np.float32) / np.sqrt(
        v.shape[-1])) for k, v in net.state_dict().items()})
    return net


def _rl_act(lib):
    import numpy as np

    policy = _rl_mlp(lib, (4, 32, 2), 0)
    obs = np.array([0.01, -0.02, 0.03, 0.04], np.float32)

    def act():
        with lib.no_grad():
            return lib.softmax(policy(lib.from_numpy(obs)), dim=-1)
    return act


def _rl_dqn_update(lib):
    import numpy as np

    q, target = _rl_mlp(lib, (4, 64, 64, 2), 1), _rl_mlp(lib, (4, 64, 64, 2), 2)
    opt = lib.optim.Adam(q.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    obs, next_obs = (lib.from_numpy(rng.normal(size=(64, 4)).astype(np.float32)) for _ in range(2))
    actions = lib.from_numpy(rng.integers(0, 2, 64))
    rewards, terminated = lib.from_numpy(np.ones(64, np.float32)), lib.from_numpy((rng.random(64) < 0.1).astype(np.float32))

    def update():
        with lib.no_grad():
            y = rewards + 0.99 * (1 - terminated) * target(next_obs).max(dim=1).values
        q_sa = q(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = lib.nn.functional.smooth_l1_loss(q_sa, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return update


def _rl_reinforce(lib, episodes=100):
    import gymnasium as gym
    import numpy as np

    def run():
        policy = _rl_mlp(lib, (4, 32, 2), 0)
        opt = lib.optim.Adam(policy.parameters(), lr=1e-3)
        env, rng = gym.make("CartPole-v1"), np.random.default_rng(0)
        for episode in range(episodes):
            obs, _ = env.reset(seed=episode)
            observations, actions, rewards, done = [], [], [], False
            while not done:
                with lib.no_grad():
                    probs = lib.softmax(policy(lib.from_numpy(obs)), dim=-1).numpy()
                action = int(rng.random() < probs[1])
                observations.append(obs)
                actions.append(action)
                obs, reward, terminated, truncated, _ = env.step(action)
                rewards.append(reward)
                done = terminated or truncated
            returns = np.cumsum(np.array(rewards)[::-1] * 0.95 ** np.arange(len(rewards)))[::-1]
            returns = returns / 0.95 ** np.arange(len(rewards))  # G_t = sum_k 0.95^(k-t) r_k
            returns = ((returns - returns.mean()) / (returns.std() + 1e-8)).astype(np.float32)
            logits = policy(lib.from_numpy(np.stack(observations)))
            log_probs = lib.log_softmax(logits, dim=-1).gather(1, lib.from_numpy(np.array(actions)).unsqueeze(1))
            loss = -(log_probs.squeeze(1) * lib.from_numpy(returns)).mean()
            opt.zero_grad()
            loss.backward()
            lib.nn.utils.clip_grad_norm_(policy.parameters(), 2.0)
            opt.step()
    return run


def bench_rl(libs, quick):
    """Milliseconds per call (lower is better): acting (one observation through 4-32-2 under no_grad, softmax),
    a DQN update (4-64-64-2, batch 64, Adam, Huber loss against a target network), REINFORCE over 100 CartPole
    episodes end to end (needs gymnasium)."""
    import importlib.util

    import deepgrad

    mods = {"deepgrad": deepgrad, **({"torch": libs["torch"]} if "torch" in libs else {})}
    cases = [("act: 4-32-2 no_grad + softmax", _rl_act, {}), ("DQN update: 4-64-64-2, batch 64", _rl_dqn_update, {})]
    if importlib.util.find_spec("gymnasium") is not None:
        cases.append((f"REINFORCE: {20 if quick else 100} CartPole episodes", _rl_reinforce,
                      {"episodes": 20 if quick else 100}))
    rows = []
    for label, make, kwargs in cases:
        fns = {name: make(lib, **kwargs) for name, lib in mods.items()}
        times = best_times(fns, min_time=0.5 if kwargs else 0.25, min_reps=3)
        rows.append((label, {name: t * 1e3 for name, t in times.items()}))
    return rows


# (label, layer class, batch, steps, input size, hidden): the music model's LSTM and a small one, and a GRU of each
# size (the same fused-kernel pattern).
LSTM_CASES = [("LSTM (8,100,256) hidden 1024", "LSTM", 8, 100, 256, 1024),
              ("LSTM (32,50,64) hidden 128", "LSTM", 32, 50, 64, 128),
              ("GRU (8,100,256) hidden 1024", "GRU", 8, 100, 256, 1024),
              ("GRU (32,50,64) hidden 128", "GRU", 32, 50, 64, 128)]


def bench_lstm(libs, quick):
    """Milliseconds per forward + backward (lower is better) of a one-layer nn.LSTM or nn.GRU, batch_first float32
    input, same weights in both libraries; backward from a fixed output gradient, through input and all weights."""
    import numpy as np

    import deepgrad

    mods = {"deepgrad": deepgrad, **({"torch": libs["torch"]} if "torch" in libs else {})}
    rng = np.random.default_rng(0)
    rows = []
    for label, kind, B, T, I, H in LSTM_CASES:
        gates = 4 if kind == "LSTM" else 3
        x = rng.standard_normal((B, T, I)).astype(np.float32)
        g = rng.standard_normal((B, T, H)).astype(np.float32)
        bound = 1 / np.sqrt(H)
        weights = {k: rng.uniform(-bound, bound, shape).astype(np.float32) for k, shape in
                   [("weight_ih_l0", (gates * H, I)), ("weight_hh_l0", (gates * H, H)), ("bias_ih_l0", (gates * H,)),
                    ("bias_hh_l0", (gates * H,))]}
        fns = {}
        for name, lib in mods.items():
            lstm = getattr(lib.nn, kind)(I, H, batch_first=True)
            lstm.load_state_dict({k: lib.from_numpy(v) for k, v in weights.items()})
            xt = lib.from_numpy(x).requires_grad_()
            gt = lib.from_numpy(g)

            def step(lstm=lstm, xt=xt, gt=gt):
                lstm.zero_grad()
                xt.grad = None
                lstm(xt)[0].backward(gt)
            fns[name] = step
        times = best_times(fns, min_time=0.5 if not quick else 0.2)
        rows.append((label, {name: t * 1e3 for name, t in times.items()}))
    return rows


ATTENTION_CASES = [(32, 4, 128, 32), (8, 8, 256, 64), (1, 8, 1024, 64)]


def bench_attention(libs, quick):
    """Milliseconds per forward + backward (lower is better) of F.scaled_dot_product_attention on float32
    (B, H, L, E) query/key/value, causal and not, backward from a fixed output gradient into q, k and v."""
    import numpy as np

    import deepgrad

    mods = {"deepgrad": deepgrad, **({"torch": libs["torch"]} if "torch" in libs else {})}
    rng = np.random.default_rng(0)
    rows = []
    for B, H, L, E in ATTENTION_CASES[:2] if quick else ATTENTION_CASES:
        arrays = [rng.standard_normal((B, H, L, E)).astype(np.float32) for _ in range(4)]
        for causal in (False, True):
            fns = {}
            for name, lib in mods.items():
                q, k, v = (lib.from_numpy(a).requires_grad_() for a in arrays[:3])
                g = lib.from_numpy(arrays[3])

                def step(lib=lib, q=q, k=k, v=v, g=g):
                    q.grad = k.grad = v.grad = None
                    lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(g)
                fns[name] = step
            times = best_times(fns, min_time=0.5 if not quick else 0.2)
            label = f"attention ({B},{H},{L},{E}){' causal' if causal else ''}"
            rows.append((label, {name: t * 1e3 for name, t in times.items()}))
    return rows


def _torch_gpt(torch, vocab, block, n_layer, n_head, n_embd, dropout):
    """deepgrad.models.gpt.GPT written in PyTorch, with the same parameter names (so state dicts carry over)."""
    nn, F = torch.nn, torch.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn, self.c_proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
            self.resid_dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = (t.reshape(B, T, n_head, C // n_head).transpose(1, 2) for t in self.c_attn(x).split(C, 2))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(B, T, C)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(n_embd), Attention(), nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential()
            self.mlp.c_fc, self.mlp.gelu = nn.Linear(n_embd, 4 * n_embd), nn.GELU()
            self.mlp.c_proj, self.mlp.dropout = nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, n_embd), nn.Embedding(block, n_embd)
            self.drop, self.h = nn.Dropout(dropout), nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln_f, self.lm_head = nn.LayerNorm(n_embd), nn.Linear(n_embd, vocab, bias=False)

        def forward(self, ids):
            x = self.drop(self.wte(ids) + self.wpe(torch.arange(ids.shape[1])))
            for b in self.h:
                x = b(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def bench_gpt(libs, quick):
    """Milliseconds per char-GPT training step (lower is better): vocabulary 83, context 128, width 128, 4 heads,
    4 layers, dropout 0.1, batch 32; forward, cross entropy, backward, AdamW step; same initial weights."""
    import numpy as np

    import deepgrad
    from deepgrad.models.gpt import GPT

    deepgrad.manual_seed(0)
    dmodel = GPT(83, 128, 4, 4, 128, dropout=0.1)
    weights = {k: v.numpy() for k, v in dmodel.state_dict().items()}
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 83, size=(32, 129))
    models = {"deepgrad": (deepgrad, dmodel)}
    if "torch" in libs:
        torch = libs["torch"]
        tmodel = _torch_gpt(torch, 83, 128, 4, 4, 128, 0.1)
        tmodel.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        models["torch"] = (torch, tmodel)
    fns = {}
    for name, (lib, model) in models.items():
        x, y = lib.from_numpy(ids[:, :-1].copy()), lib.from_numpy(ids[:, 1:].copy())
        opt = lib.optim.AdamW(model.parameters(), lr=1e-3)

        def step(lib=lib, model=model, opt=opt, x=x, y=y):
            logits = model(x)
            loss = lib.nn.functional.cross_entropy(logits.reshape(-1, 83), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        fns[name] = step
    times = best_times(fns, min_time=2.0 if not quick else 0.3, min_reps=5, warmup=2)
    return [("char-GPT step (83, 128, 128, 4 heads, 4 layers, batch 32)", {n: t * 1e3 for n, t in times.items()})]


SECTIONS = {"gemm": bench_gemm, "conv": bench_conv, "rl": bench_rl, "lstm": bench_lstm,
            "attention": bench_attention, "gpt": bench_gpt}
# sections measured in milliseconds per call (lower is better; the ratio columns are inverted so that
# > 1 still means deepgrad is faster); the others are in GFLOP/s
TIME_SECTIONS = {"rl", "lstm", "attention", "gpt"}


# ---- child: one thread count ----------------------------------------------------------------

def child(sections, threads, quick):
    import numpy as np

    libs = {}
    info = {"threads": threads, "numpy": np.__version__}
    from deepgrad import _C

    _C.set_num_threads(threads)
    libs["deepgrad"] = _C
    info["deepgrad"] = f"simd={_C.simd_level()} openmp={_C.has_openmp()} threads={_C.get_num_threads()}"
    try:
        import torch

        torch.set_num_threads(threads)
        libs["torch"] = torch
        info["torch"] = f"{torch.__version__} threads={torch.get_num_threads()}"
    except ImportError:
        info["torch"] = "not installed"
    limiter = None
    try:
        from threadpoolctl import threadpool_info, threadpool_limits

        limiter = threadpool_limits(limits=threads, user_api="blas")
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        info["blas"] = "; ".join(
            f"{p['internal_api']} {p.get('version')} arch={p.get('architecture')} "
            f"threads={p['num_threads']}" for p in blas)
        info["blas_threads_set_by"] = "threadpoolctl + OPENBLAS_NUM_THREADS/OMP_NUM_THREADS"
    except ImportError:
        info["blas"] = "unknown (threadpoolctl not installed)"
        info["blas_threads_set_by"] = "OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/MKL_NUM_THREADS"
    results = {name: SECTIONS[name](libs, quick) for name in sections}
    if limiter is not None:
        limiter.restore_original_limits()
    print(json.dumps({"info": info, "results": results}))


# ---- parent: spawn children, print tables -----------------------------------------------------

def fmt_table(section, rows, markdown):
    libs = ["deepgrad", "numpy", "torch"]
    present = [l for l in libs if any(l in g for _, g in rows)]
    timed = section in TIME_SECTIONS
    head = ["case"] + [f"{l} {'ms' if timed else 'GFLOP/s'}" for l in present]
    if "numpy" in present:
        head.append("deepgrad/numpy")
    if "torch" in present:
        head.append("deepgrad/torch")
    lines = []
    table = []
    for label, g in rows:
        r = [label] + [(f"{g[l]:.3f}" if timed else f"{g[l]:.1f}") if l in g else "-" for l in present]
        speedup = (lambda other: g[other] / g["deepgrad"]) if timed else (lambda other: g["deepgrad"] / g[other])
        if "numpy" in present:
            r.append(f"{speedup('numpy'):.2f}" if "numpy" in g else "-")
        if "torch" in present:
            r.append(f"{speedup('torch'):.2f}" if "torch" in g else "-")
        table.append(r)
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in table]
    else:
        widths = [max(len(str(x[i])) for x in [head] + table) for i in range(len(head))]
        lines.append("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
        for r in table:
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=sorted(SECTIONS), action="append",
                   help="run only this section (repeatable); default: all")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default: 1 2)")
    p.add_argument("--quick", action="store_true", help="skip the largest sizes")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.add_argument("--unset-openblas-coretype", action="store_true",
                   help="drop OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from the children's environment "
                        "(they pin an older, slower OpenBLAS kernel on some machines)")
    p.add_argument("--no-bind", action="store_true",
                   help="leave OpenMP threads unbound (default: OMP_PROC_BIND=close, OMP_PLACES=cores for every "
                        "library, unless already set)")
    p.add_argument("--_child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    sections = args.only or sorted(SECTIONS)
    if args._child is not None:
        child(sections, args._child, args.quick)
        return

    print(f"# machine: {cpu_model()}, {os.cpu_count()} CPUs; python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d')}")
    coretype = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if coretype:
        state = "unset for the run" if args.unset_openblas_coretype else "kept (see --unset-openblas-coretype)"
        print(f"# note: {coretype} set in the environment: {state}")
    bind = {} if args.no_bind else {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}
    bind = {k: os.environ.get(k, v) for k, v in bind.items()}
    # Both OpenMP runtimes in the process (deepgrad's libgomp and the one torch bundles) read these. Unbound, the
    # guest's scheduler now and then stacks two busy threads on one core, which moved single cases by up to 30%
    # (conv pad 1: 63-85 GFLOP/s for deepgrad between processes, 85-93 bound).
    print(f"# OpenMP threads: {', '.join(f'{k}={v}' for k, v in bind.items()) if bind else 'unbound'}")
    for threads in args.threads:
        env = dict(os.environ)
        env.update(bind)
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(threads)
        if args.unset_openblas_coretype:
            env.pop("OPENBLAS_CORETYPE", None)
            env.pop("OPENBLAS_L2_SIZE", None)
        print(f"\n## {threads} thread(s)")
        # one fresh process per section too: what a section leaves behind (a grown heap, another library's
        # worker threads) must not weigh on the next one
        for n, section in enumerate(sections):
            cmd = [sys.executable, os.path.abspath(__file__), "--_child", str(threads), "--only", section]
            if args.quick:
                cmd.append("--quick")
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.stderr.write(out.stderr)
                sys.exit(f"benchmark child for {section} at {threads} thread(s) failed")
            data = json.loads(out.stdout.strip().splitlines()[-1])
            if n == 0:
                for k, v in data["info"].items():
                    if k != "threads":
                        print(f"#   {k}: {v}")
            rows = data["results"][section]
            unit = "ms per call, lower" if section in TIME_SECTIONS else "GFLOP/s, higher"
            print(f"\n### {section} (float32, {unit} is better; ratios > 1: deepgrad faster)\n")
            print(fmt_table(section, rows, args.markdown), flush=True)


if __name__ == "__main__":
    main()
