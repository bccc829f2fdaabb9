"""numpy references for `salience scores` on a shard dataset read with h5py: pooled train utterance means,
vectorised Pearson r, PCA explained variance (sklearn), and the plug-in MI of numpy.histogram2d counts on
linspace edges from the pooled min and max. Prints JSON.

usage: dataset_scores.py DATASET_DIR BINS [utterance|frame]
(frame: every train frame is a row, paired with its utterance's labels)
"""
import glob
import json
import sys

try:
    import h5py
    import numpy as np
    from sklearn.decomposition import PCA
except ImportError as error:
    print(error, file=sys.stderr)
    sys.exit(3)


def pooled(dataset, pooling="utterance"):
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
        if pooling == "frame":
            owner = np.repeat(np.arange(len(split)), np.diff(offsets))
            xs.append(frames[split[owner] == 0])
            ys.append(labels[owner][split[owner] == 0])
            continue
        means = np.add.reduceat(frames, offsets[:-1], axis=0) / np.diff(offsets)[:, None]
        xs.append(means[split == 0])
        ys.append(labels[split == 0])
    return np.concatenate(xs), np.concatenate(ys)


def main():
    dataset, bins = sys.argv[1], int(sys.argv[2])
    x, y = pooled(dataset, sys.argv[3] if len(sys.argv) > 3 else "utterance")
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    r = (yc.T @ xc) / np.sqrt(np.outer((yc * yc).sum(axis=0), (xc * xc).sum(axis=0)))
    pca = PCA(svd_solver="full").fit(x)
    hist = []
    for t in range(y.shape[1]):
        row = []
        ey = np.linspace(y[:, t].min(), y[:, t].max(), bins + 1)
        for d in range(x.shape[1]):
            ex = np.linspace(x[:, d].min(), x[:, d].max(), bins + 1)
            counts, _, _ = np.histogram2d(x[:, d], y[:, t], bins=[ex, ey])
            p = counts / counts.sum()
            px = p.sum(axis=1, keepdims=True)
            py = p.sum(axis=0, keepdims=True)
            nz = p > 0
            row.append(float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum()))
        hist.append(row)
    print(json.dumps({
        "n": int(x.shape[0]),
        "r": r.tolist(),
        "explained_variance": pca.explained_variance_.tolist(),
        "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
        "hist": hist,
    }))


if __name__ == "__main__":
    main()
