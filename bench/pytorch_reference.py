#!/usr/bin/env python3
"""PyTorch / SciPy / NumPy reference timings for `just bench` (run by `just bench-pytorch`).

Times the same workloads as the Rust `bench` binary (crates/experiments/src/bench) on the same
data and writes results/bench-pytorch.csv in the same schema, so that `just bench` can print both
side by side:

- SimEc training epochs (Figures 3, 4, 7) in PyTorch on the CPU, written the way the original
  PyTorch SimEc (cod3licious/simec, simec_torch.py) computes the loss: `nn.Linear` layers, the
  S_ll term as `mean((W W^T - S_ll)^2)` with the n x n matrix `W W^T` formed at every step (W is
  torch's `[n, d]` weight of the last layer), the orthogonality term on the d x d matrix
  `W^T W`, plus the paper's L2 terms; Adamax (betas 0.9/0.999, eps 1e-7), batch 32, shuffled,
  glorot-uniform kernels and zero biases. Batches are taken by indexing a shuffled permutation
  (cheaper than the original's per-sample `DataLoader`; `--dataloader` times that instead).
  `torch.set_num_threads(2)` unless `--threads` says otherwise.
- SciPy `eigh(subset_by_index=[n-10, n-1])` (top 10), `scipy.sparse.linalg.eigsh(k=10)` (ARPACK
  Lanczos, the iterative alternative) and full `eigh` (SciPy's default driver) on the same matrices
  as the Rust benchmarks.
- NumPy RBF kernel and `mean((S - Y Y^T)^2)`, and the sgemm / dgemm peaks (torch f32, numpy f64).

Usage: python bench/pytorch_reference.py [quick] [NAME ...] [--runs N] [--out PATH]
       [--data-dir DIR] [--random-data] [--threads T] [--dataloader]
Needs torch, numpy, scipy (e.g. a venv outside the repository:
`python3 -m venv /tmp/torchbench && /tmp/torchbench/bin/pip install torch numpy scipy`).
"""

import argparse
import csv
import datetime
import gzip
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

try:
    import numpy as np
    import scipy  # noqa: F401  (checked here, used by the eigen benchmarks)
    import torch  # noqa: F401
except ImportError as e:
    sys.exit(f"bench/pytorch_reference.py needs torch, numpy and scipy ({e}); e.g. "
             "`python3 -m venv /tmp/torchbench && /tmp/torchbench/bin/pip install torch numpy "
             "scipy`, then `PYTHON=/tmp/torchbench/bin/python just bench-pytorch`")

REPO = Path(__file__).resolve().parent.parent

COLUMNS = [
    "benchmark", "backend", "median_s", "min_s", "max_s", "runs", "flops", "gflops",
    "peak_gflops", "pct_of_peak", "threads", "load_before", "load_after", "size", "data",
    "timing", "git_commit", "machine", "date",
]
BENCHMARKS = [
    "sgemm_peak", "dgemm_peak", "fig3_2hl_epoch", "fig4_n8000_epoch",
    "fig7_stacked_d100_epoch", "eigen_top10_8000", "eigen_top10_8000_eigsh", "eigen_full_5000",
    "rbf_kernel_10000",
    "mse_yyt_8000",
]
RBF_GAMMA = 0.00475  # the paper's bandwidth on the 8,000 training points (as the Rust bench)

FULL = dict(gemm=2048, fig3_m=8000, fig3_n=2000, fig4_m=8000, fig7_m=5000, eig_top=8000,
            eig_full=5000, rbf=10000, mse=8000, m_train=8000, m_test=2000)
QUICK = dict(gemm=512, fig3_m=1000, fig3_n=500, fig4_m=1000, fig7_m=400, eig_top=1000,
             eig_full=400, rbf=1200, mse=1000, m_train=1000, m_test=250)

MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def load_avg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


# ----------------------------------------------------------------------------------------------
# Data: the paper's subsets (same construction as crates/experiments/src/data), or random.

def find_mnist(explicit):
    cands = []
    if explicit:
        cands = [Path(explicit)]
    elif os.environ.get("SIMEC_DATA_DIR"):
        cands = [Path(os.environ["SIMEC_DATA_DIR"])]
    else:
        cands = [REPO / "data" / "mnist", REPO.parent / "shared" / "data" / "mnist"]
    for d in cands:
        if all((d / f).exists() or (d / (f + ".gz")).exists() for f in MNIST_FILES):
            return d
    return None


def read_idx(d, name):
    p = d / name
    raw = p.read_bytes() if p.exists() else gzip.decompress((d / (name + ".gz")).read_bytes())
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(d):
    """All 70,000 images in the paper's order: training block, then test block, each sorted
    stably by label; pixels as uint8 [70000, 784]."""
    xs, ys = [], []
    for img, lab in [(MNIST_FILES[0], MNIST_FILES[1]), (MNIST_FILES[2], MNIST_FILES[3])]:
        x = read_idx(d, img).reshape(-1, 784)
        y = read_idx(d, lab)
        order = np.argsort(y, kind="stable")
        xs.append(x[order])
        ys.append(y[order])
    return np.concatenate(xs), np.concatenate(ys)


class Inputs:
    def __init__(self, sizes, data_dir, random):
        d = None if random else find_mnist(data_dir)
        if d is not None:
            images, labels = load_mnist(d)
            perm = np.random.RandomState(42).permutation(70000)
            test_idx = perm[: sizes["m_test"]]
            train_idx = perm[2000: 2000 + sizes["m_train"]]
            x_train = images[train_idx] / 255.0
            mean = x_train.mean(axis=0)
            self.x_train = x_train - mean
            self.x_test = images[test_idx] / 255.0 - mean
            self.y_train = labels[train_idx]
            pool = np.flatnonzero((labels == 0) | (labels == 7))
            idx = pool[np.random.RandomState(42).permutation(len(pool))[: sizes["fig7_m"]]]
            x07 = images[idx] / 255.0
            self.binary07 = (x07 >= 0.5).astype(np.float64)
            self.x07 = x07 - x07.mean(axis=0)
            self.source = "mnist"
        else:
            print("[bench-pytorch] MNIST not found; using random data", file=sys.stderr)
            rng = np.random.RandomState(0)
            pix = lambda m: (lambda x: x - x.mean(axis=0))(rng.rand(m, 784))
            self.x_train = pix(sizes["m_train"])
            self.x_test = pix(sizes["m_test"])
            self.x07 = pix(sizes["fig7_m"])
            b = (rng.rand(sizes["fig7_m"], 784) < 0.19).astype(np.float64)
            b[np.arange(len(b)), np.arange(len(b)) % 784] = 1.0
            self.binary07 = b
            self.y_train = rng.randint(0, 10, sizes["m_train"]).astype(np.uint8)
            self.source = "random"


def center_k(k):
    """The paper's center_K: H K H, then symmetrized."""
    r = k.mean(axis=1, keepdims=True)
    c = k.mean(axis=0, keepdims=True)
    b = k - r - c + k.mean()
    return 0.5 * (b + b.T)


def rbf(x, gamma):
    n = (x * x).sum(axis=1)
    d2 = np.maximum(n[:, None] + n[None, :] - 2.0 * (x @ x.T), 0.0)
    return np.exp(-gamma * d2)


def simpson(b):
    inter = b @ b.T
    cnt = b.sum(axis=1)
    return inter / np.minimum(cnt[:, None], cnt[None, :])


# ----------------------------------------------------------------------------------------------
# The SimEc in PyTorch.

def simec_epoch_flops(m, batch, dims, k_total, n, slices, s_ll, orth):
    """Matrix-product FLOPs of one epoch of this implementation (2 m n k per product): the
    network as in the Rust bench, plus the S_ll term as the original computes it: W W^T (n x n)
    and its two gradient products, 6 d n^2 per slice; orth: 6 d^2 K."""
    sizes = [a * b for a, b in zip(dims + [k_total], (dims + [k_total])[1:])]
    total = sum(sizes)
    per_row = 2.0 * (2.0 * total + (total - sizes[0]))
    steps = -(-m // batch)
    d = dims[-1]
    per_step = 0.0
    if s_ll:
        per_step += slices * 6.0 * d * n * n
    if orth:
        per_step += 6.0 * d * d * k_total
    return m * per_row + steps * per_step


def make_simec(torch, dim_in, hidden, d, k_total):
    nn = torch.nn

    class SimEc(nn.Module):
        def __init__(self):
            super().__init__()
            layers, fan = [], dim_in
            for units in hidden:
                layers.append(nn.Linear(fan, units))
                fan = units
            self.hidden = nn.ModuleList(layers)
            self.emb = nn.Linear(fan, d)
            self.W_ll = nn.Linear(d, k_total, bias=False)  # weight [k_total, d]
            for lin in list(self.hidden) + [self.emb, self.W_ll]:
                nn.init.xavier_uniform_(lin.weight)
                if lin.bias is not None:
                    nn.init.zeros_(lin.bias)

        def forward(self, x):
            for lin in self.hidden:
                x = torch.tanh(lin(x))
            return self.W_ll(self.emb(x))

    return SimEc()


def time_simec_epochs(torch, x, s, s_ll_list, hidden, d, lr, l2, l2_emb, l2_out, s_ll_reg,
                      orth_reg, runs, dataloader, warm_steps):
    """Seconds of `runs` full training epochs, after `warm_steps` warm-up steps, and the mean
    training loss of the last epoch."""
    torch.manual_seed(42)
    m, k_total = s.shape
    slices = len(s_ll_list)
    n = k_total // slices
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    st = torch.from_numpy(np.ascontiguousarray(s, dtype=np.float32))
    sll = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in s_ll_list]
    model = make_simec(torch, x.shape[1], hidden, d, k_total)
    opt = torch.optim.Adamax(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7)
    mse = torch.nn.MSELoss()
    ones = 1.0 - torch.eye(d)

    def step(xb, sb):
        opt.zero_grad()
        loss = mse(model(xb), sb)
        if l2 > 0:
            for lin in model.hidden:
                loss = loss + l2 * (lin.weight ** 2).sum()
        if l2_emb > 0:
            loss = loss + l2_emb * (model.emb.weight ** 2).sum()
        w = model.W_ll.weight  # [k_total, d]
        if l2_out > 0:
            loss = loss + l2_out * (w ** 2).sum()
        if s_ll_reg > 0:
            for j in range(slices):
                wj = w[j * n:(j + 1) * n]  # [n, d]
                loss = loss + s_ll_reg * mse(torch.mm(wj, wj.t()), sll[j])  # forms n x n
        if orth_reg > 0:
            loss = loss + orth_reg * torch.mean((ones * torch.mm(w.t(), w)) ** 2)
        loss.backward()
        opt.step()
        return loss.item()

    def batches():
        if dataloader:
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(xt, st), batch_size=32, shuffle=True)
            yield from loader
        else:
            perm = torch.randperm(m)
            for s0 in range(0, m, 32):
                idx = perm[s0:s0 + 32]
                yield xt[idx], st[idx]

    for i, (xb, sb) in enumerate(batches()):
        if i >= warm_steps:
            break
        step(xb, sb)
    times, loss = [], float("nan")
    for e in range(runs):
        t = time.perf_counter()
        total = 0.0
        for xb, sb in batches():
            total += step(xb, sb) * len(xb)
        times.append(time.perf_counter() - t)
        loss = total / m
        print(f"[bench-pytorch]   epoch {e + 1}/{runs}: {times[-1]:.3f} s, loss {loss:.6f}",
              file=sys.stderr)
    return times, loss


# ----------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args, sizes, quick):
        self.args, self.sizes, self.quick = args, sizes, quick
        self._inputs = None
        self._rbf = None
        self._simpson = None
        import torch
        self.torch = torch
        torch.set_num_threads(args.threads)
        self.threads = torch.get_num_threads()

    def runs(self, default):
        if self.args.runs:
            return self.args.runs
        return 2 if self.quick else default

    @property
    def inputs(self):
        if self._inputs is None:
            t = time.perf_counter()
            self._inputs = Inputs(self.sizes, self.args.data_dir, self.args.random_data)
            print(f"[bench-pytorch] inputs ({self._inputs.source}) in "
                  f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        return self._inputs

    def rbf_train(self):
        if self._rbf is None:
            s = self.sizes
            m = max(s["fig4_m"], s["eig_top"], s["mse"])
            self._rbf = center_k(rbf(self.inputs.x_train[:m], RBF_GAMMA))
        return self._rbf

    def simpson_parts(self):
        if self._simpson is None:
            import scipy.linalg
            s = center_k(simpson(self.inputs.binary07))
            w, v = scipy.linalg.eigh(s)
            pos, neg = w >= 0, w < 0
            s1 = (v[:, pos] * w[pos]) @ v[:, pos].T
            s2 = (v[:, neg] * -w[neg]) @ v[:, neg].T
            if w.max() > 0:
                s1 /= w.max()
            if w.min() < 0:
                s2 /= -w.min()
            mx = max(np.abs(s1).max(), np.abs(s2).max())
            if mx > 0:
                s1 /= mx
                s2 /= mx
            self._simpson = (s1, s2, s)
        return self._simpson

    def timed(self, f, runs, warmup=True):
        if warmup:
            f()
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
        return out

    def run(self, name):
        return getattr(self, "b_" + name)()

    def b_sgemm_peak(self):
        torch, g = self.torch, self.sizes["gemm"]
        a, b = torch.rand(g, g) - 0.5, torch.rand(g, g) - 0.5
        t = self.timed(lambda: torch.mm(a, b), self.runs(5))
        return dict(backend="pytorch-cpu", times=t, flops=2.0 * g ** 3, single=None,
                    threads=self.threads, size=f"{g}x{g}x{g} f32", data="random",
                    timing="one torch.mm, 1 warm-up")

    def b_dgemm_peak(self):
        g = self.sizes["gemm"]
        rng = np.random.RandomState(1)
        a, b = rng.rand(g, g) - 0.5, rng.rand(g, g) - 0.5
        t = self.timed(lambda: a @ b, self.runs(5))
        return dict(backend="numpy", times=t, flops=2.0 * g ** 3, single=None,
                    threads=blas_threads(), size=f"{g}x{g}x{g} f64", data="random",
                    timing="one numpy matmul (its BLAS), 1 warm-up")

    def _epoch(self, x, s, sll, hidden, d, lr, l2, l2_emb, l2_out, s_ll_reg, orth_reg,
               default_runs, size, data, slices):
        m, k_total = s.shape
        runs = self.runs(default_runs)
        t, _ = time_simec_epochs(self.torch, x, s, sll, hidden, d, lr, l2, l2_emb, l2_out,
                                 s_ll_reg, orth_reg, runs, self.args.dataloader, warm_steps=20)
        flops = simec_epoch_flops(m, 32, [x.shape[1]] + hidden + [d], k_total,
                                  k_total // slices, slices, s_ll_reg > 0, orth_reg > 0)
        loader = "DataLoader(shuffle=True)" if self.args.dataloader else "indexing a permutation"
        backend = "pytorch-cpu-dataloader" if self.args.dataloader else "pytorch-cpu"
        return dict(backend=backend, times=t, flops=flops, single=True, threads=self.threads,
                    size=size, data=data,
                    timing=f"one full epoch ({-(-m // 32)} steps, batches by {loader}), after "
                           f"20 warm-up steps; S_ll term forms W W^T (n x n) as the original")

    def b_fig3_2hl_epoch(self):
        m, n = self.sizes["fig3_m"], self.sizes["fig3_n"]
        inp = self.inputs
        y = inp.y_train[:m]
        s = center_k((y[:, None] == y[None, :]).astype(np.float64))
        return self._epoch(inp.x_train[:m], s[:, :n], [s[:n, :n]], [25, 25], 10, 0.005, 0.0,
                           1e-5, 1e-7, 0.5, 0.01, 5,
                           f"m={m} D=784 hidden=25,25 d=10 n={n} b=32",
                           f"{inp.source} (centered label similarity)", 1)

    def b_fig4_n8000_epoch(self):
        m = self.sizes["fig4_m"]
        k = self.rbf_train()[:m, :m]
        return self._epoch(self.inputs.x_train[:m], k, [k], [1000], 10, 0.0005, 1e-8, 1e-5,
                           1e-7, 1.0, 0.0, 2, f"m={m} D=784 hidden=1000 d=10 n={m} b=32",
                           f"{self.inputs.source} (centered RBF kernel, gamma {RBF_GAMMA})", 1)

    def b_fig7_stacked_d100_epoch(self):
        m = self.sizes["fig7_m"]
        s1, s2, _ = self.simpson_parts()
        return self._epoch(self.inputs.x07, np.hstack([s1, s2]), [s1, s2], [200], 100, 0.0008,
                           1e-7, 1e-4, 1e-7, 1.0, 0.0, 2,
                           f"m={m} D=784 hidden=200 d=100 k=2 n={m} b=32",
                           f"{self.inputs.source} (MNIST 0/7 Simpson, normalized S1 and S2)", 2)

    def b_eigen_top10_8000(self):
        import scipy.linalg
        n = self.sizes["eig_top"]
        a = np.asfortranarray(self.rbf_train()[:n, :n])
        warm = a[: n // 4, : n // 4].copy()
        scipy.linalg.eigh(warm, subset_by_index=[n // 4 - 10, n // 4 - 1])
        t = self.timed(lambda: scipy.linalg.eigh(a, subset_by_index=[n - 10, n - 1]),
                       self.runs(3), warmup=False)
        return dict(backend="scipy", times=t, flops=4.0 / 3.0 * n ** 3 + 2.0 * n * n * 10,
                    single=False, threads=blas_threads(), size=f"n={n} k=10 f64",
                    data=f"{self.inputs.source} (centered RBF kernel, gamma {RBF_GAMMA})",
                    timing=f"scipy.linalg.eigh(a, subset_by_index=[n-10, n-1]) (default driver "
                           f"evr), warm-up on the leading {n // 4}x{n // 4} block; flops: "
                           f"dsytrd 4/3 n^3 + back-transform 2 n^2 k")

    def b_eigen_top10_8000_eigsh(self):
        # SciPy's iterative alternative (ARPACK implicitly restarted Lanczos), to machine precision.
        import scipy.sparse.linalg
        n = self.sizes["eig_top"]
        a = np.asfortranarray(self.rbf_train()[:n, :n])
        warm = a[: n // 4, : n // 4].copy()
        scipy.sparse.linalg.eigsh(warm, k=10, which="LA")
        t = self.timed(lambda: scipy.sparse.linalg.eigsh(a, k=10, which="LA"),
                       self.runs(3), warmup=False)
        return dict(backend="scipy", times=t, flops=2.0 * n * n * 10,
                    single=False, threads=blas_threads(), size=f"n={n} k=10 f64",
                    data=f"{self.inputs.source} (centered RBF kernel, gamma {RBF_GAMMA})",
                    timing=f"scipy.sparse.linalg.eigsh(a, k=10, which='LA') (ARPACK, tol 0 = "
                           f"machine precision), warm-up on the leading {n // 4}x{n // 4} block; "
                           f"flops: 10 matrix-vector products 2 n^2, a lower bound")

    def b_eigen_full_5000(self):
        import scipy.linalg
        n = self.sizes["eig_full"]
        a = np.asfortranarray(self.simpson_parts()[2][:n, :n])
        scipy.linalg.eigh(a[: n // 4, : n // 4].copy())
        t = self.timed(lambda: scipy.linalg.eigh(a), self.runs(3), warmup=False)
        return dict(backend="scipy", times=t, flops=10.0 / 3.0 * n ** 3, single=False,
                    threads=blas_threads(), size=f"n={n} f64",
                    data=f"{self.inputs.source} (centered Simpson similarity of MNIST 0/7)",
                    timing=f"scipy.linalg.eigh(a) (default driver evr), warm-up on the leading "
                           f"{n // 4}x{n // 4} block; flops: dsytrd 4/3 n^3 + back-transform "
                           f"2 n^3")

    def b_rbf_kernel_10000(self):
        m = self.sizes["rbf"]
        x = np.vstack([self.inputs.x_train, self.inputs.x_test])[:m]
        t = self.timed(lambda: rbf(x, RBF_GAMMA), self.runs(3))
        return dict(backend="numpy", times=t, flops=2.0 * m * m * 784, single=False,
                    threads=blas_threads(), size=f"{m} x 784 f64",
                    data=f"{self.inputs.source} (train then test points)",
                    timing="exp(-gamma * max(|x|^2 + |y|^2 - 2 X X^T, 0)), full matrix, 1 "
                           "warm-up; flops: 2 m^2 p (X X^T), exp not counted")

    def b_mse_yyt_8000(self):
        m = self.sizes["mse"]
        s = self.rbf_train()[:m, :m]
        y = 0.1 * (np.random.RandomState(13).rand(m, 10) - 0.5)
        t = self.timed(lambda: np.mean((s - y @ y.T) ** 2), self.runs(5))
        return dict(backend="numpy", times=t, flops=2.0 * m * m * 10 + 3.0 * m * m,
                    single=False, threads=blas_threads(), size=f"Y {m} x 10, S {m} x {m} f64",
                    data=f"{self.inputs.source} (S: centered RBF kernel; Y random)",
                    timing="np.mean((S - Y @ Y.T) ** 2) (forms Y Y^T), 1 warm-up; flops: "
                           "2 m^2 d + 3 m^2")


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
        return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    except Exception:
        return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def git_commit():
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", ".",
                                ":(exclude)results", ":(exclude)figures"],
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except Exception:
        return "unknown"


def machine():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} cpus)"


def read_rows(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        if r.fieldnames != COLUMNS:
            return []
        return list(r)


def write_merged(path, new_rows):
    rows = read_rows(path) if path.exists() else []
    keys = {(r["benchmark"], r["backend"]) for r in new_rows}
    rows = [r for r in rows if (r["benchmark"], r["backend"]) not in keys] + new_rows
    rank = {b: i for i, b in enumerate(BENCHMARKS)}
    rows.sort(key=lambda r: (rank.get(r["benchmark"], 99), r["backend"]))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def fmt(v):
    return "" if v is None else repr(float(v))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", help="benchmarks (default all); `quick` = small sizes")
    p.add_argument("--runs", type=int)
    p.add_argument("--out", type=Path)
    p.add_argument("--data-dir")
    p.add_argument("--random-data", action="store_true")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--dataloader", action="store_true",
                   help="SimEc batches through torch's DataLoader, as the original code")
    args = p.parse_args()
    quick = "quick" in args.names
    names = [n for n in args.names if n != "quick"]
    bad = [n for n in names if n not in BENCHMARKS]
    if bad:
        p.error(f"unknown benchmark(s) {bad}; valid: quick, {', '.join(BENCHMARKS)}")
    chosen = [b for b in BENCHMARKS if not names or b in names]
    out = args.out or REPO / "results" / ("bench-pytorch-quick.csv" if quick
                                          else "bench-pytorch.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, QUICK if quick else FULL, quick)
    commit, mach = git_commit(), machine()
    import scipy
    print(f"bench-pytorch: torch {bench.torch.__version__}, numpy {np.__version__}, scipy "
          f"{scipy.__version__}, torch threads {bench.threads}, load {load_avg():.2f}")
    peaks = {}
    order = ["sgemm_peak", "dgemm_peak"] + [b for b in chosen if not b.endswith("_peak")]
    rows = []
    for name in order:
        before = load_avg()
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"[bench-pytorch] {name} ...", file=sys.stderr)
        r = bench.run(name)
        after = load_avg()
        t = r["times"]
        med = statistics.median(t)
        gflops = r["flops"] / med / 1e9
        if name.endswith("_peak"):
            peaks[name] = gflops
        peak = {True: peaks.get("sgemm_peak"), False: peaks.get("dgemm_peak")}.get(r["single"])
        rows.append({
            "benchmark": name, "backend": r["backend"], "median_s": repr(med),
            "min_s": repr(min(t)), "max_s": repr(max(t)), "runs": str(len(t)),
            "flops": repr(float(r["flops"])), "gflops": repr(gflops), "peak_gflops": fmt(peak),
            "pct_of_peak": fmt(None if peak is None else 100.0 * gflops / peak),
            "threads": str(r["threads"]), "load_before": repr(before), "load_after": repr(after),
            "size": r["size"], "data": r["data"], "timing": r["timing"], "git_commit": commit,
            "machine": mach, "date": date,
        })
        print(f"[bench-pytorch] {name}: median {med:.4f} s ({gflops:.1f} GFLOP/s), load "
              f"{before:.2f} -> {after:.2f}", file=sys.stderr)
        write_merged(out, rows)
    print(f"\n{'benchmark':<27} {'backend':<23} {'median_s':>10} {'min_s':>10} {'max_s':>10} "
          f"{'runs':>4} {'GFLOP/s':>9} {'%peak':>7} {'load':>11}")
    for r in rows:
        pct = r["pct_of_peak"]
        print(f"{r['benchmark']:<27} {r['backend']:<23} {float(r['median_s']):>10.4f} "
              f"{float(r['min_s']):>10.4f} {float(r['max_s']):>10.4f} {r['runs']:>4} "
              f"{float(r['gflops']):>9.1f} {(f'{float(pct):.1f}' if pct else '-'):>7} "
              f"{float(r['load_before']):>5.2f}->{float(r['load_after']):<5.2f}")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
