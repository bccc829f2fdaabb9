"""Pools the real vader-minilm dataset's train utterances (frame means, float64) with h5py, writes them as
OUT/x.f64 and OUT/y.f64 for the Swift side, and runs scikit-learn's mutual_info_regression on the columns
given, under two random states. Prints JSON: n, d, columns, and per seed the MI of those columns.

usage: vader_pooled.py DATASET_DIR OUT_DIR COLUMN_STEP SEED [SEED...]
"""
import glob
import json
import sys

try:
    import h5py
    import numpy as np
    from sklearn.feature_selection import mutual_info_regression
except ImportError as error:
    print(error, file=sys.stderr)
    sys.exit(3)


def main():
    dataset, out, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seeds = [int(s) for s in sys.argv[4:]]
    xs, ys = [], []
    for path in sorted(glob.glob(f"{dataset}/*.h5")):
        with h5py.File(path, "r") as f:
            condition = f.attrs.get("condition", "clean")
            if isinstance(condition, bytes):
                condition = condition.decode()
            if condition != "clean":
                continue
            frames = f["embeddings"][:].astype(np.float64)
            offsets = f["offsets"][:]
            split = f["split"][:]
            labels = f["labels"][:].astype(np.float64)
        means = np.add.reduceat(frames, offsets[:-1], axis=0) / np.diff(offsets)[:, None]
        xs.append(means[split == 0])
        ys.append(labels[split == 0])
    x = np.ascontiguousarray(np.concatenate(xs))
    y = np.ascontiguousarray(np.concatenate(ys))
    x.astype("<f8").tofile(f"{out}/x.f64")
    y.astype("<f8").tofile(f"{out}/y.f64")
    columns = list(range(0, x.shape[1], step))
    mi = {str(s): mutual_info_regression(x[:, columns], y[:, 0], random_state=s).tolist() for s in seeds}
    print(json.dumps({"n": x.shape[0], "d": x.shape[1], "t": y.shape[1], "columns": columns, "mi": mi}))


if __name__ == "__main__":
    main()
