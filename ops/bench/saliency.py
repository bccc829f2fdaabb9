"""Side-by-side timing of `salience scores` and its Python peers on the same shards (see ops/bench/saliency)."""
import argparse
import csv
import glob
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from scipy.stats import spearmanr
from sklearn.feature_selection import mutual_info_regression


def log(message):
    print(message, file=sys.stderr, flush=True)


def clean_shards(dataset):
    """Every clean shard of the dataset, opened with h5py (each closed when the caller moves on)."""
    for path in sorted(glob.glob(os.path.join(dataset, "*.h5"))):
        with h5py.File(path, "r") as f:
            condition = f.attrs.get("condition", "clean")
            if isinstance(condition, bytes):
                condition = condition.decode()
            if condition == "clean":
                yield f


def pooled_train(dataset):
    """h5py read of every clean shard, utterance means of the train split (float64)."""
    xs, ys = [], []
    for f in clean_shards(dataset):
        frames = f["embeddings"][:]
        offsets = f["offsets"][:]
        split = f["split"][:]
        labels = f["labels"][:]
        means = np.add.reduceat(frames.astype(np.float64), offsets[:-1], axis=0) / np.diff(offsets)[:, None]
        xs.append(means[split == 0])
        ys.append(labels[split == 0].astype(np.float64))
    return np.concatenate(xs), np.concatenate(ys)


def numpy_ccs_pca(dataset):
    x, y = pooled_train(dataset)
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    r = (yc.T @ xc) / np.sqrt(np.outer((yc * yc).sum(axis=0), (xc * xc).sum(axis=0)))
    covariance = np.cov(x, rowvar=False)
    eigenvalues = np.linalg.eigh(covariance)[0][::-1]
    return np.abs(r).mean(axis=0), eigenvalues / eigenvalues.sum()


class Clock:
    """Wall and CPU seconds (this process's threads, or a child's) of one measured step."""

    def __init__(self, wall, cpu):
        self.wall, self.cpu = wall, cpu

    def __str__(self):
        return f"{self.wall:7.3f} s (cpu {self.cpu:6.3f} s)"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


REPEATS = 3  # each side's best of this many runs (as timeit reports), so one scheduler hiccup does not decide


def h5py_raw_read(dataset):
    """h5py's fastest read of every clean shard's frames: `embeddings[:]`, one call per shard, into numpy
    (what the numpy peer starts from). Returns (bytes, seconds)."""
    total, start = 0, time.perf_counter()
    for f in clean_shards(dataset):
        total += f["embeddings"][:].astype(np.float32, copy=False).nbytes
    return total, time.perf_counter() - start


PASS = re.compile(r"streaming pass ([0-9.]+) s reading ([0-9.]+) GB at ([0-9.]+) GB/s")
LAST_PASS = {}  # the best run's streaming pass as salience reported it: seconds, GB, GB/s


def salience(binary, dataset, methods, out, threads, repeats=REPEATS):
    """The best of `repeats` whole runs of `salience scores` (process start to exit), its rows, and the
    scoring seconds it reported for that run (the work after the streaming pass, on the pooled rows)."""
    best, scoring = None, None
    for _ in range(repeats):
        cpu = children_cpu()
        start = time.perf_counter()
        run = subprocess.run(
            [binary, "scores", dataset, "--methods", methods, "--threads", str(threads), "--out", out],
            check=True, stderr=subprocess.PIPE, text=True)
        clock = Clock(time.perf_counter() - start, children_cpu() - cpu)
        if best is None or clock.wall < best.wall:
            best = clock
            found = re.search(r"scoring ([0-9.]+) s", run.stderr)
            scoring = float(found.group(1)) if found else None
            streamed = PASS.search(run.stderr)
            if streamed:
                LAST_PASS.update(seconds=float(streamed.group(1)), gb=float(streamed.group(2)),
                                 rate=float(streamed.group(3)))
    with open(out) as f:
        rows = list(csv.DictReader(f))
    return best, rows, scoring


def in_memory_line(sklearn_time, scoring):
    """Both sides on the pooled rows already in memory: scikit-learn's call against salience's scoring."""
    if scoring is None or scoring <= 0:
        return "          (salience did not report its scoring time)"
    return (f"          in memory, both on the pooled rows: sklearn {sklearn_time.wall:.3f} s, salience scoring "
            f"{scoring:.3f} s, sklearn/salience = {sklearn_time.wall / scoring:.0f}")


def timed(function, *args, repeats=1):
    best, value = None, None
    for _ in range(repeats):
        cpu = time.process_time()
        start = time.perf_counter()
        value = function(*args)
        clock = Clock(time.perf_counter() - start, time.process_time() - cpu)
        best = clock if best is None or clock.wall < best.wall else best
    return best, value


def ratio(a, b):
    return f"{a.wall / b.wall:.2f} (cpu {a.cpu / b.cpu:.2f})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--salience", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ccs-pca-only", action="store_true",
                        help="only the CCS + PCA comparison (for large datasets, where scikit-learn takes minutes)")
    args = parser.parse_args()
    out = os.path.join(tempfile.mkdtemp(prefix="salience-bench-"), "scores.csv")
    log(f"dataset {args.dataset}; salience {args.salience}; {args.threads} compute threads")
    print(f"load average before the run: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")

    # Warm the page cache so neither side pays the first read.
    pooled_train(args.dataset)

    log("1/3 CCS + PCA: numpy ...")
    numpy_time, (numpy_ccs, numpy_ratio) = timed(numpy_ccs_pca, args.dataset, repeats=REPEATS)
    log("    salience scores --methods ccs,pca ...")
    ours_time, rows, _ = salience(args.salience, args.dataset, "ccs,pca", out, args.threads)
    ours_ccs = np.array([float(row["ccs"]) for row in rows])
    with open(os.path.join(os.path.dirname(out), "pca.csv")) as f:
        ours_ratio = np.array([float(row["explained_ratio"]) for row in csv.DictReader(f)])
    print(f"CCS+PCA   numpy {numpy_time}   salience {ours_time}   "
          f"salience/numpy = {ratio(ours_time, numpy_time)} (aim <= 0.5)")
    print(f"          "
          f"max |dCCS| {np.abs(ours_ccs - numpy_ccs).max():.1e}, max |dratio| {np.abs(ours_ratio - numpy_ratio).max():.1e}")
    raw = min((h5py_raw_read(args.dataset) for _ in range(REPEATS)), key=lambda r: r[1])
    if LAST_PASS:
        print(f"pass      salience's streaming pass (read, check, pool, moments, covariance) "
              f"{LAST_PASS['gb']:.2f} GB in {LAST_PASS['seconds']:.3f} s = {LAST_PASS['rate']:.2f} GB/s; "
              f"h5py raw read (embeddings[:]) {raw[0] / 1e9:.2f} GB in {raw[1]:.3f} s = {raw[0] / 1e9 / raw[1]:.2f} GB/s")

    if args.ccs_pca_only:
        return
    log("2/3 mis: scikit-learn mutual_info_regression (random_state 0 and 1) ...")
    x, y = pooled_train(args.dataset)
    # scikit-learn takes seconds, so it runs twice (the second run, another random_state, gives the
    # self-agreement) and the faster of the two is its time.
    sklearn_time, sk0 = timed(lambda: mutual_info_regression(x, y[:, 0], random_state=0))
    second_time, sk1 = timed(lambda: mutual_info_regression(x, y[:, 0], random_state=1))
    sklearn_time = sklearn_time if sklearn_time.wall <= second_time.wall else second_time
    log("    salience scores --methods mis ...")
    mis_time, rows, mis_scoring = salience(args.salience, args.dataset, "mis", out, args.threads)
    ours_mis = np.array([float(row["mis"]) for row in rows])
    print(f"mis       sklearn {sklearn_time}   salience {mis_time}   "
          f"sklearn/salience = {ratio(sklearn_time, mis_time)} (aim >= 10)")
    print(in_memory_line(sklearn_time, mis_scoring))
    print(f"          agreement with sklearn rs=0: Spearman {spearmanr(ours_mis, sk0)[0]:.4f}, "
          f"mean |d| {np.abs(ours_mis - sk0).mean():.5f} nats;  sklearn rs=1 vs rs=0: "
          f"Spearman {spearmanr(sk1, sk0)[0]:.4f}, mean |d| {np.abs(sk1 - sk0).mean():.5f} nats")

    log("3/3 mis-hist: salience scores --methods mis-hist ...")
    hist_time, rows, hist_scoring = salience(args.salience, args.dataset, "mis-hist", out, args.threads)
    ours_hist = np.array([float(row["mis-hist"]) for row in rows])
    print(f"mis-hist  sklearn {sklearn_time}   salience {hist_time}   "
          f"sklearn/salience = {ratio(sklearn_time, hist_time)} (aim >= 100)")
    print(in_memory_line(sklearn_time, hist_scoring))
    print(f"          ranking agreement with KSG (sklearn rs=0): Spearman {spearmanr(ours_hist, sk0)[0]:.4f}")


if __name__ == "__main__":
    main()
