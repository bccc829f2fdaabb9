"""Tables of ops/bench/label-variance-modes (docs/label-variance.md): test CCC per label-variance mode over
seeds, best-of-seeds by dev, paired differences with off, training throughput relative to off, and the spread
calibration of the modes that predict one. Usage: label_variance_summary.py OUT DATASET SEEDS"""
import csv
import glob
import json
import os
import sys

import h5py
import numpy as np

out, dataset, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3])
MODES = ["off", "std-aux", "nll", "distribution", "weighted"]


def metric(report, split, condition="clean"):
    for m in report["metrics"]:
        key = (m["split"], m["condition"], m.get("utterances"), m.get("target"), m["metric"])
        if key == (split, condition, None, None, "ccc"):
            return m["value"] if m["value"] is not None else float("nan")
    return float("nan")


def ccc(x, y):
    mx, my = x.mean(), y.mean()
    return 2 * ((x - mx) * (y - my)).mean() / (x.var() + y.var() + (mx - my) ** 2)


# Test ratings of the clean shards, by id.
ratings = {}
for path in sorted(glob.glob(os.path.join(dataset, "*.h5"))):
    with h5py.File(path, "r") as f:
        if f.attrs.get("condition", "clean") != "clean" or "ratings" not in f:
            continue
        ids = [i.decode() if isinstance(i, bytes) else i for i in f["ids"][()]]
        split = f["split"][()]
        r = f["ratings"][()][:, :, 0]
        for k, i in enumerate(ids):
            if split[k] == 2:
                ratings[i] = r[k][~np.isnan(r[k])]

widths = [w for w in ("full", "ccs60") if glob.glob(os.path.join(out, f"{w}-*.json"))]
for width in widths:
    print(f"\n### {width}: TC-GRU, test CCC (valence), seeds 1..{seeds}\n")
    print("| mode | seeds | test CCC mean ± std | best-of-seeds by dev (seed: test) | − off, paired (mean ± std; seeds better) "
          "| typo-p15 test CCC | train utt/s, × off's time | epochs (best) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    base = {}
    for mode in MODES:
        reports = {}
        for s in range(1, seeds + 1):
            path = os.path.join(out, f"{width}-{mode}-seed{s}.json")
            if os.path.exists(path):
                reports[s] = json.load(open(path))
        if not reports:
            continue
        test = {s: metric(r, "test") for s, r in reports.items()}
        dev = {s: metric(r, "dev") for s, r in reports.items()}
        typo = np.array([metric(r, "test", "typo-p15") for r in reports.values()])
        ups = np.array([np.mean([h["utterances_per_second"] for h in r["history"]]) for r in reports.values()])
        if mode == "off":
            base = {"test": test, "ups": ups.mean()}
        best = max(dev, key=dev.get)
        t = np.array(list(test.values()))
        paired = ""
        if mode != "off" and base:
            d = np.array([test[s] - base["test"][s] for s in test if s in base["test"]])
            paired = f"{d.mean():+.4f} ± {d.std():.4f}; {int((d > 0).sum())}/{len(d)}"
        cost = f"{ups.mean():.0f}, {base['ups'] / ups.mean():.2f}×" if base else f"{ups.mean():.0f}"
        epochs = " ".join(f"{r['epochs_trained']}({r['best_epoch']})" for r in reports.values())
        print(f"| {mode} | {len(t)} | {t.mean():.4f} ± {t.std():.4f} | {best}: {test[best]:.4f} | {paired} "
              f"| {typo.mean():.4f} ± {typo.std():.4f} | {cost} | {epochs} |")

    print(f"\n{width}: calibration of the predicted spread on clean test (mean ± std over seeds): CCC of σ̂ with the "
          "raters' population std; coverage = share of individual test ratings inside μ̂ ± σ̂ (68.3 % for a "
          "calibrated Gaussian); mean σ̂ against the mean rater spread\n")
    print("| mode | CCC(σ̂, s) | coverage of ±1σ̂ | mean σ̂ | mean s |")
    print("| --- | --- | --- | --- | --- |")
    for mode in ("std-aux", "nll", "distribution"):
        rows = []
        for s in range(1, seeds + 1):
            path = os.path.join(out, f"{width}-{mode}-seed{s}.csv")
            if not os.path.exists(path):
                continue
            mu, sigma, spread, inside, total = [], [], [], 0, 0
            for row in csv.DictReader(open(path)):
                if row["split"] != "test" or row["condition"] != "clean":
                    continue
                r = ratings[row["id"]]
                m, sd = float(row["valence"]), max(float(row["valence_spread"]), 0.0)
                mu.append(m)
                sigma.append(sd)
                spread.append(r.std())
                inside += int(((r >= m - sd) & (r <= m + sd)).sum())
                total += len(r)
            sigma, spread = np.array(sigma), np.array(spread)
            rows.append((ccc(sigma, spread), inside / total, sigma.mean(), spread.mean()))
        if rows:
            a = np.array(rows)
            print(f"| {mode} | {a[:, 0].mean():.3f} ± {a[:, 0].std():.3f} | {100 * a[:, 1].mean():.1f} ± "
                  f"{100 * a[:, 1].std():.1f} % | {a[:, 2].mean():.3f} | {a[:, 3].mean():.3f} |")
