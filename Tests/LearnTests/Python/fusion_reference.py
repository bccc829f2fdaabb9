"""numpy reference of late fusion (docs/fusion.md), from the prediction CSVs of `salience predict` and the
dataset's shards: mean, dev-weighted (weights proportional to max(0, dev CCC) per target) and learned (least
squares b + sum w_m p_m on the clean dev split, numpy.linalg.lstsq). Usage: fusion_reference.py DATASET A.csv B.csv
Prints JSON: per method, per target, the weights, the bias and the fused predictions by "condition|split|id"."""
import csv
import glob
import json
import os
import sys

import h5py
import numpy as np

dataset, paths = sys.argv[1], sys.argv[2:]
members = []
for path in paths:
    rows = list(csv.DictReader(open(path, newline="")))
    members.append({f"{r['condition']}|{r['split']}|{r['id']}": r for r in rows})
    columns = [c for c in rows[0].keys() if c not in ("id", "condition", "split") and not c.endswith("_spread")]
targets = columns

labels = {}
for path in sorted(glob.glob(os.path.join(dataset, "*.h5"))):
    with h5py.File(path, "r") as f:
        condition = f.attrs.get("condition", "clean")
        if (condition.decode() if isinstance(condition, bytes) else condition) != "clean":
            continue
        ids = [i.decode() if isinstance(i, bytes) else i for i in f["ids"][()]]
        for k, i in enumerate(ids):
            if f["split"][k] == 1:
                labels[i] = f["labels"][k]


def ccc(x, y):
    mx, my = x.mean(), y.mean()
    return 2 * ((x - mx) * (y - my)).mean() / (x.var() + y.var() + (mx - my) ** 2)


dev_keys = [k for k in members[0] if k.startswith("clean|dev|")]
out = {}
for method in ("mean", "dev-weighted", "learned"):
    per_target = {}
    for t, target in enumerate(targets):
        P = np.array([[float(m[k][target]) for m in members] for k in dev_keys])
        y = np.array([labels[k.split("|", 2)[2]][t] for k in dev_keys], dtype=float)
        if method == "mean":
            w, b = np.full(len(members), 1 / len(members)), 0.0
        elif method == "dev-weighted":
            c = np.maximum([ccc(P[:, m], y) for m in range(len(members))], 0)
            # The documented fallback: equal weights when no member has a positive dev CCC.
            w, b = (c / c.sum() if c.sum() > 0 else np.full(len(members), 1 / len(members))), 0.0
        else:
            beta = np.linalg.lstsq(np.column_stack([P, np.ones(len(y))]), y, rcond=None)[0]
            w, b = beta[:-1], beta[-1]
        fused = {k: b + sum(w[m] * float(members[m][k][target]) for m in range(len(members))) for k in members[0]}
        per_target[target] = {"weights": list(map(float, w)), "bias": float(b), "fused": fused}
    out[method] = per_target
print(json.dumps(out))
