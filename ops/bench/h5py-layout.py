"""Rewrites a shard dataset's embeddings in the layout an h5py user writes, to benchmark Salience on files
it did not write. Every shard of SRC is copied to DST with h5py: the metadata datasets and root attributes
as they are, `embeddings` with the chunk shape and filter asked for.
Usage: h5py-layout.py SRC DST [--chunks ROWSxCOLS|contiguous] [--gzip LEVEL|none] [--shuffle]
(default: chunks of 1024 rows x all columns, no filter: `f.create_dataset(..., chunks=(1024, D))`)."""
import argparse
import pathlib

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("src")
parser.add_argument("dst")
parser.add_argument("--chunks", default="1024xall")
parser.add_argument("--gzip", default="none")
parser.add_argument("--shuffle", action="store_true")
args = parser.parse_args()

src, dst = pathlib.Path(args.src), pathlib.Path(args.dst)
dst.mkdir(parents=True, exist_ok=True)
for shard in sorted(src.glob("*.h5")):
    with h5py.File(shard, "r") as f, h5py.File(dst / shard.name, "w", libver=("earliest", "v110")) as g:
        for name, value in f.attrs.items():
            g.attrs[name] = value
        for name in f:
            if name != "embeddings":
                f.copy(f[name], g, name=name)
        data = f["embeddings"]
        rows, width = data.shape
        if args.chunks == "contiguous":
            chunks = None
        else:
            r, c = args.chunks.split("x")
            chunks = (min(int(r), rows), width if c == "all" else int(c))
        options = {}
        if args.gzip != "none":
            options = {"compression": "gzip", "compression_opts": int(args.gzip), "shuffle": args.shuffle}
        out = g.create_dataset("embeddings", shape=data.shape, dtype=data.dtype, chunks=chunks, **options)
        step = 65536
        for start in range(0, rows, step):
            out[start:start + step] = np.asarray(data[start:start + step])
    print("%s: %s, chunks %s, %s" % (dst / shard.name, data.shape, chunks or "contiguous", args.gzip))
