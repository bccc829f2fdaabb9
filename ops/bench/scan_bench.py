"""The scan benchmark (see ops/bench/scan): whole-scan time split by phase, the statistics phase on 2 local
workers against 1, and the same statistics (CCS, KSG MI, PCA) computed by numpy/scikit-learn in one process."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py  # noqa: F401  (imported by saliency.py; fail early when missing)
import numpy as np
from sklearn.feature_selection import mutual_info_regression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saliency import numpy_ccs_pca, pooled_train  # noqa: E402

STATS_SPEC = """name = "bench statistics"
[dataset]
directory = "{dataset}"
[selection]
methods = ["ccs", "mis", "pca"]
ratios = [1.0]
thresholds = []
[decoder]
kind = "gru-ff"
gru_units = 4
gru_layers = 1
ff_units = 4
dropout = 0.0
[training]
seeds = [1]
epochs = 1
label_variance = ["off"]
[output]
directory = "{output}"
[cluster]
dimension_block = {block}
utterances_per_task = {utterances}
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_scan(salience, spec, data_root, workers):
    """Runs `salience scan` and returns {phase name: (seconds, tasks)} and the whole wall time."""
    started = time.time()
    result = subprocess.run(
        [salience, "scan", spec, "--data-root", data_root, "--workers", str(workers)],
        capture_output=True, text=True)
    wall = time.time() - started
    if result.returncode != 0:
        log(result.stdout + result.stderr)
        raise SystemExit(f"salience scan failed ({workers} workers)")
    phases = {}
    # "scan: statistics took 4.2 s (7 tasks, 0.3 task-seconds)": the report's phases, in order.
    for match in re.finditer(r"scan: ([a-z]+) took ([0-9.]+) s \((.*)\)", result.stderr):
        phases[match.group(1)] = (float(match.group(2)), match.group(3))
    return phases, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--salience", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--full-spec", help="a spec to time phase by phase (default: the demo scan's methods)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    dataset = os.path.abspath(args.dataset)
    data_root, name = os.path.dirname(dataset), os.path.basename(dataset)

    with tempfile.TemporaryDirectory() as scratch:
        # 1. The statistics phase (phase 1: moments and covariance per utterance range, KSG per dimension
        #    block) on 1 and on 2 workers; best of --repeats.
        spec = os.path.join(scratch, "stats.toml")
        with open(spec, "w") as f:
            f.write(STATS_SPEC.format(dataset=name, output=os.path.join(scratch, "out"), block=64, utterances=1000))
        best = {}
        for workers in (1, 2):
            for repeat in range(args.repeats):
                phases, _ = run_scan(args.salience, spec, data_root, workers)
                seconds, kinds = phases["statistics"]
                log(f"statistics phase, {workers} worker(s), run {repeat + 1}: {seconds:.2f} s ({kinds})")
                best[workers] = min(best.get(workers, float("inf")), seconds)

        # 2. The Python peer: the same statistics in one numpy/scikit-learn process.
        started = time.time()
        numpy_ccs_pca(dataset)
        x, y = pooled_train(dataset)
        for t in range(y.shape[1]):
            mutual_info_regression(x, y[:, t], n_neighbors=3, random_state=0)
        peer = time.time() - started

        # 3. A whole scan, phase by phase, on 2 workers.
        full_spec = args.full_spec
        if full_spec is None:
            full_spec = os.path.join(scratch, "full.toml")
            with open(full_spec, "w") as f:
                f.write(STATS_SPEC.format(dataset=name, output=os.path.join(scratch, "full"), block=64,
                                          utterances=512)
                        .replace('methods = ["ccs", "mis", "pca"]',
                                 'methods = ["ccs", "mis", "mis-hist", "pca", "ig", "random", "full"]')
                        .replace("ratios = [1.0]", "ratios = [0.25, 0.5]"))
        phases, wall = run_scan(args.salience, full_spec, data_root, 2)

    print(f"dataset {dataset}")
    print("whole scan on 2 workers, by phase:")
    for phase, (seconds, kinds) in phases.items():
        print(f"  {phase:10s} {seconds:7.2f} s  {kinds}")
    print(f"  total (process wall): {wall:.2f} s")
    print(f"statistics phase: 1 worker {best[1]:.2f} s, 2 workers {best[2]:.2f} s, "
          f"speed-up {best[1] / best[2]:.2f}x (aim >= 1.8x)")
    print(f"python peer (numpy CCS+PCA, scikit-learn KSG MI, one process): {peer:.2f} s; "
          f"peer / scan-on-2-workers = {peer / best[2]:.2f}")


if __name__ == "__main__":
    main()
