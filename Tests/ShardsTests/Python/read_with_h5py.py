"""Reads a shard with h5py and prints every value as JSON (NaN as null), for comparison with what Salience
wrote. Usage: read_with_h5py.py SHARD"""
import json
import sys

import h5py
import numpy as np


def flat(values):
    return [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


with h5py.File(sys.argv[1], "r") as f:
    result = {
        "attrs": {k: (text(v) if isinstance(v, (str, bytes)) else
                      [text(x) if isinstance(x, (str, bytes)) else int(x) for x in np.atleast_1d(v)])
                  for k, v in f.attrs.items()},
        "embeddings": flat(f["embeddings"][:]),
        "shape": list(f["embeddings"].shape),
        "chunks": list(f["embeddings"].chunks or []),
        "compression": f["embeddings"].compression,
        "shuffle": bool(f["embeddings"].shuffle),
        "offsets": [int(x) for x in f["offsets"][:]],
        "ids": [text(x) for x in f["ids"][:]],
        "ids_is_utf8_vlen": (lambda info: info is not None and info.encoding == "utf-8" and info.length is None)(
            h5py.check_string_dtype(f["ids"].dtype)),
        "split": [int(x) for x in f["split"][:]],
        "split_dtype": str(f["split"].dtype),
        "offsets_dtype": str(f["offsets"].dtype),
        "labels": flat(f["labels"][:]),
        "ratings": flat(f["ratings"][:]) if "ratings" in f else None,
    }
print(json.dumps(result))
