"""Writes version-2 (layered) shards with h5py as docs/shard-format.md shows, plus broken ones.

Usage: write_layered_shards.py OUT_DIR
- good/l-0.h5, good/l-1.h5: layers 00, 02, 05 (D = 4, 4, 3; float32 gzip+shuffle tiles, float16, contiguous),
  sharing offsets/ids/split/labels; good/expected.json holds each shard's layers concatenated frame by frame
  in increasing layer number (what Salience's column space must be).
- bad/<case>/s.h5, one problem each: frames-differ, not-a-number, both-embeddings, no-layers, nan-in-layer,
  duplicate-number; and mixed/ (two shards whose layer numbers differ), widths/ (same numbers, a D differs).
"""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(5)


def base(f, n, offsets, version=2):
    f.attrs.update(salience_format="embedding-shard", format_version=version, encoder="h5py layered", task="regression")
    f.attrs["targets"] = np.array(["valence"], dtype=h5py.string_dtype())
    f["offsets"] = offsets
    f["ids"] = np.array([f"u{os.getpid() % 1}-{i}" for i in range(n)], dtype=h5py.string_dtype())
    f["split"] = np.array([i % 3 for i in range(n)], dtype=np.uint8)
    f["labels"] = rng.normal(size=(n, 1)).astype(np.float32)


def layered(path, n, widths, ids_prefix, tweak=None):
    lengths = rng.integers(1, 5, size=n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    frames = int(offsets[-1])
    layers = {number: rng.normal(size=(frames, width)).astype(np.float32) for number, width in widths.items()}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        base(f, n, offsets)
        del f["ids"]
        f["ids"] = np.array([f"{ids_prefix}-{i}" for i in range(n)], dtype=h5py.string_dtype())
        for k, (number, data) in enumerate(layers.items()):
            name = f"layers/{number:02d}/embeddings"
            if k == 0:
                f.create_dataset(name, data=data, chunks=(3, 2), compression="gzip", shuffle=True)
            elif k == 1:
                f.create_dataset(name, data=data.astype(np.float16), chunks=(4, data.shape[1]))
                layers[number] = data.astype(np.float16).astype(np.float32)
            else:
                f.create_dataset(name, data=data)
        if tweak:
            tweak(f, frames)
    return offsets, layers


expected = {}
for shard, prefix in (("l-0.h5", "a"), ("l-1.h5", "b")):
    offsets, layers = layered(f"{out}/good/{shard}", 6, {0: 4, 2: 4, 5: 3}, prefix)
    wide = np.concatenate([layers[k] for k in sorted(layers)], axis=1)
    expected[shard] = {"shape": list(wide.shape), "offsets": offsets.tolist(), "values": wide.ravel().tolist(),
                       "layers": sorted(layers), "widths": [layers[k].shape[1] for k in sorted(layers)]}
with open(f"{out}/good/expected.json", "w") as f:
    json.dump(expected, f)


def frames_differ(f, frames):
    f.create_dataset("layers/07/embeddings", data=np.zeros((frames + 1, 4), dtype=np.float32))


def not_a_number(f, frames):
    f.create_dataset("layers/top/embeddings", data=np.zeros((frames, 4), dtype=np.float32))


def both(f, frames):
    f.create_dataset("embeddings", data=np.zeros((frames, 4), dtype=np.float32))


def nan_in_layer(f, frames):
    f["layers/02/embeddings"][1, 3] = np.nan


def duplicate(f, frames):
    f.create_dataset("layers/2/embeddings", data=np.zeros((frames, 4), dtype=np.float32))


for case, tweak in (("frames-differ", frames_differ), ("not-a-number", not_a_number), ("both-embeddings", both),
                    ("nan-in-layer", nan_in_layer), ("duplicate-number", duplicate)):
    layered(f"{out}/bad/{case}/s.h5", 4, {0: 4, 2: 4}, case, tweak)

os.makedirs(f"{out}/bad/no-layers", exist_ok=True)
with h5py.File(f"{out}/bad/no-layers/s.h5", "w", libver=("earliest", "v110")) as f:
    base(f, 3, np.array([0, 1, 2, 3], dtype=np.int64))

layered(f"{out}/mixed/m-0.h5", 4, {0: 4, 2: 4}, "m0")
layered(f"{out}/mixed/m-1.h5", 4, {0: 4, 3: 4}, "m1")
layered(f"{out}/widths/w-0.h5", 4, {0: 4, 2: 4}, "w0")
layered(f"{out}/widths/w-1.h5", 4, {0: 4, 2: 5}, "w1")
