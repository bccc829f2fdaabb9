"""Writes shards with h5py the way an outside extractor would, plus a JSON of every value written.

Usage: write_h5py_shards.py OUT_DIR
- a.h5: float16 embeddings (gzip 4 + shuffle, chunks 5x3), variable-length UTF-8 ids and attributes
  (h5py's default), ratings [N, R, T] with NaN, libver ("earliest", "v110").
- b.h5: float32 embeddings chunked rows x all columns, fixed-length ASCII ids and attributes (numpy bytes),
  label_std instead of ratings, condition attribute absent.
The expected values go to OUT_DIR/expected.json (NaN as null; float16 values as h5py reads them).
"""
import json
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(11)


def nan_to_none(values):
    return [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


expected = {}

# a.h5
n, d, t, r = 7, 6, 2, 4
lengths = rng.integers(1, 5, size=n)
offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
emb = rng.normal(size=(offsets[-1], d)).astype(np.float16)
ids = ["ünï-%d" % i if i % 2 else "utt-%d ✓" % i for i in range(n)]
ratings = rng.normal(size=(n, r, t)).astype(np.float32)
ratings[1, 2, 0] = np.nan
ratings[4, 0, 1] = np.nan
labels = np.nanmean(ratings, axis=1).astype(np.float32)
split = np.array([0, 0, 1, 2, 0, 1, 2], dtype=np.uint8)
with h5py.File(f"{out}/a.h5", "w", libver=("earliest", "v110")) as f:
    f.attrs["salience_format"] = "embedding-shard"
    f.attrs["format_version"] = 1
    f.attrs["encoder"] = "h5py test encoder ✓"
    f.attrs["task"] = "regression"
    f.attrs["targets"] = ["valence", "arousal"]
    f.attrs["condition"] = "clean"
    f.create_dataset("embeddings", data=emb, chunks=(5, 3), compression="gzip", compression_opts=4, shuffle=True)
    f.create_dataset("offsets", data=offsets)
    f.create_dataset("ids", data=ids, dtype=h5py.string_dtype("utf-8"))
    f.create_dataset("split", data=split)
    f.create_dataset("labels", data=labels)
    f.create_dataset("ratings", data=ratings)
expected["a.h5"] = {
    "embeddings": nan_to_none(emb.astype(np.float32)), "shape": [int(offsets[-1]), d], "offsets": offsets.tolist(),
    "ids": ids, "split": split.tolist(), "labels": nan_to_none(labels), "ratings": nan_to_none(ratings),
    "raters": r, "targets": ["valence", "arousal"], "encoder": "h5py test encoder ✓", "condition": "clean",
}

# b.h5
n2 = 5
lengths = rng.integers(1, 4, size=n2)
offsets2 = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
emb2 = rng.normal(size=(offsets2[-1], d)).astype(np.float32)
ids2 = ["b%d" % i for i in range(n2)]
labels2 = rng.normal(size=(n2, t)).astype(np.float32)
std2 = rng.uniform(0, 1, size=(n2, t)).astype(np.float32)
split2 = np.array([2, 1, 0, 0, 0], dtype=np.uint8)
with h5py.File(f"{out}/b.h5", "w", libver=("earliest", "v110")) as f:
    f.attrs["salience_format"] = np.bytes_(b"embedding-shard")
    f.attrs["format_version"] = np.int32(1)
    f.attrs["encoder"] = np.bytes_(b"fixed ascii encoder")
    f.attrs["task"] = np.bytes_(b"regression")
    f.attrs["targets"] = np.array([b"valence", b"arousal"], dtype="S8")
    f.create_dataset("embeddings", data=emb2, chunks=(4, d))
    f.create_dataset("offsets", data=offsets2)
    f.create_dataset("ids", data=np.array([s.encode() for s in ids2], dtype="S4"))
    f.create_dataset("split", data=split2)
    f.create_dataset("labels", data=labels2)
    f.create_dataset("label_std", data=std2)
expected["b.h5"] = {
    "embeddings": nan_to_none(emb2), "shape": [int(offsets2[-1]), d], "offsets": offsets2.tolist(), "ids": ids2,
    "split": split2.tolist(), "labels": nan_to_none(labels2), "label_std": nan_to_none(std2),
    "targets": ["valence", "arousal"], "encoder": "fixed ascii encoder", "condition": "clean",
}
with open(f"{out}/expected.json", "w") as f:
    json.dump(expected, f)
