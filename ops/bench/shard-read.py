"""The h5py+numpy side of ops/bench/shard-read: reads a shard in blocks of about 16384 frames of whole
utterances (h5py's best: fewer, larger reads), all columns, then the first 40 % of the columns, then the same
number of evenly scattered columns, with a 64 MiB chunk cache. `salience dataset read-bench` streams the same
shard through the statistics pass (units of whole chunk rows, checked and pooled), so its side does more.
Usage: shard-read.py SHARD FRACTION"""
import sys
import time

import h5py
import numpy as np

path, fraction = sys.argv[1], float(sys.argv[2])
frames_per_read = 16384
with h5py.File(path, "r", rdcc_nbytes=64 << 20, rdcc_nslots=12421, rdcc_w0=0.75) as f:
    data = f["embeddings"]
    offsets = f["offsets"][:]
    n = len(offsets) - 1
    d = data.shape[1]
    count = max(1, int(round(d * fraction)))
    blocks = []
    first = 0
    while first < n:
        last = first + 1
        while last < n and offsets[last + 1] - offsets[first] <= frames_per_read:
            last += 1
        blocks.append((int(offsets[first]), int(offsets[last])))
        first = last
    scattered = [i * d // count for i in range(count)]
    for name, select in (("all", None), ("contiguous", slice(0, count)), ("scattered", scattered)):
        start = time.perf_counter()
        checksum = 0.0
        values = 0
        for a, b in blocks:
            block = data[a:b] if select is None else data[a:b, select]
            block = np.ascontiguousarray(block, dtype=np.float32)
            checksum += float(block.flat[0])
            values += block.size
        seconds = time.perf_counter() - start
        gigabytes = values * 4 / 1e9
        print("h5py     %-10s columns=%4d  %.3f GB in %.2f s  %.2f GB/s  (checksum %.3f)"
              % (name, d if select is None else count, gigabytes, seconds, gigabytes / seconds, checksum))
