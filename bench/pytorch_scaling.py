#!/usr/bin/env python3
"""The n-scaling sweep of `just bench-scaling` for the original PyTorch SimEc (dense S_ll).

Same rows as the Rust sweep (crates/experiments/src/bench/scaling.rs), in the same CSV schema, into
results/scaling-pytorch.csv: Figure 4's network (784-1000 tanh-10, batch 32, s_ll_reg 1, Adamax,
lr 0.0005) trained on random inputs, targets `[640, n]` and S_ll `[n, n]` (the cost does not
depend on the values), the S_ll term as the original computes it (`mean((W W^T - S_ll)^2)`, the
n x n matrix `W W^T` formed at every step). One row is one process (`--row N`), so its peak
resident memory (`VmHWM`) is its own; each row times 3 epochs of 20 steps after a warm-up of 20
steps and reports their median scaled to Figure 4's epoch of 8000 rows (250 steps). A row that
fails (e.g. out of memory) ends the sweep with the rows measured so far; `--max-n` limits it.
`target/release/bench --scaling-redraw` then draws it beside the Rust rows in figures/scaling.png.

Usage: python bench/pytorch_scaling.py [--ns 1000,2000,...] [--max-n N] [--threads T] [--out PATH]
Needs torch and numpy (see bench/pytorch_reference.py).
"""

import argparse
import csv
import datetime
import io
import os
import statistics
import subprocess
import sys
from pathlib import Path

from pytorch_reference import REPO, git_commit, load_avg, machine, time_simec_epochs

import numpy as np

NS = [1000, 2000, 4000, 8000, 16000, 32000]
STEPS, REPEATS, BATCH, EPOCH_ROWS = 20, 3, 32, 8000
COLUMNS = ["path", "n", "rank", "steps", "repeats", "steps_s", "min_s", "max_s", "epoch_s",
           "peak_rss_bytes", "loss", "backend", "threads", "load_before", "load_after",
           "git_commit", "machine", "date"]


def peak_rss_bytes():
    """`VmHWM` of this process, bytes (0 if unknown)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def row(n, threads):
    """Measures one row in this process and prints it as a one-row CSV on stdout."""
    import torch
    torch.set_num_threads(threads)
    rng = np.random.default_rng(n)
    m = STEPS * BATCH
    x = rng.random((m, 784), dtype=np.float32) - 0.5
    targets = rng.random((m, n), dtype=np.float32) - 0.5
    s_ll = rng.random((n, n), dtype=np.float32)
    s_ll -= 0.5
    before = load_avg()
    times, loss = time_simec_epochs(torch, x, targets, [s_ll], [1000], 10, 0.0005, 0.0, 0.0,
                                    0.0, 1.0, 0.0, REPEATS, False, warm_steps=STEPS)
    steps_s = statistics.median(times)
    out = {
        "path": "dense", "n": n, "rank": "", "steps": STEPS, "repeats": REPEATS,
        "steps_s": steps_s, "min_s": min(times), "max_s": max(times),
        "epoch_s": steps_s * (-(-EPOCH_ROWS // BATCH)) / STEPS,
        "peak_rss_bytes": peak_rss_bytes(), "loss": loss, "backend": "pytorch-cpu",
        "threads": torch.get_num_threads(), "load_before": before, "load_after": load_avg(),
        "git_commit": git_commit(), "machine": machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerow(out)


def write_rows(path, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue())
    os.replace(tmp, path)


def sweep(ns, threads, out):
    rows = []
    for n in ns:
        print(f"[scaling-pytorch] dense:{n} ...", file=sys.stderr)
        p = subprocess.run([sys.executable, __file__, "--row", str(n), "--threads", str(threads)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            tail = p.stderr.strip().splitlines()[-3:]
            print(f"[scaling-pytorch] dense:{n} failed (exit {p.returncode}; a negative code is "
                  f"the signal, -9 usually the out-of-memory killer); stopping the sweep here. "
                  f"{' | '.join(tail)}", file=sys.stderr)
            break
        r = next(csv.DictReader(io.StringIO(p.stdout)))
        print(f"[scaling-pytorch] dense:{n}: {float(r['steps_s']):.3f} s per {STEPS} steps, "
              f"epoch {float(r['epoch_s']):.1f} s, peak {int(r['peak_rss_bytes']) / 1e9:.2f} GB, "
              f"load {float(r['load_after']):.2f}", file=sys.stderr)
        rows.append(r)
        write_rows(out, rows)
    print(f"wrote {out} ({len(rows)} rows); draw it beside the Rust rows with "
          f"`target/release/bench --scaling-redraw`")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ns", type=lambda v: [int(x) for x in v.split(",")], default=NS,
                   help="comma-separated n (default 1000,...,32000)")
    p.add_argument("--max-n", type=int, help="skip n above this")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--out", type=Path, default=REPO / "results" / "scaling-pytorch.csv")
    p.add_argument("--row", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.row is not None:
        row(args.row, args.threads)
        return
    bad = [n for n in args.ns if n < 1]
    if bad:
        p.error(f"--ns holds {bad}; every n must be a positive integer")
    ns = [n for n in args.ns if args.max_n is None or n <= args.max_n]
    sweep(ns, args.threads, args.out)


if __name__ == "__main__":
    main()
