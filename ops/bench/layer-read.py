"""The h5py side of ops/bench/layer-read: one synthetic layered shard (L layers x F frames x D float32 columns)
written in several layouts, then read warm with h5py three ways: one layer (all columns), one layer's 64-column
block, and every layer. Prints a table and each layout's read time relative to the per-layer tiled layout
(Salience's writer default, the first row).

Layouts (every compressed one uses gzip 1 + shuffle, Salience's default filters):
  per-layer tiles     layers/NN/embeddings [F, D], chunks (1024, 64), gzip 1            (format version 2)
  per-layer rows      layers/NN/embeddings [F, D], chunks (1024, D), uncompressed       (format version 2)
  axis tiles          embeddings [F, L, D], chunks (1024, 1, 64), gzip 1
  axis chunks=True    embeddings [F, L, D], chunks=True (h5py's guess), gzip 1
  axis appended       embeddings [F, L, D], maxshape (None, L, D), chunks=True, gzip 1, written 1024 frames at a time
  axis frame rows     embeddings [F, L, D], chunks (1024, L, D), gzip 1 (every layer in every chunk)
  axis contiguous     embeddings [F, L, D], not chunked, uncompressed

The page cache cannot be dropped without root, so every file is read once in full before timing (cat-style) and
all reads are warm: they measure HDF5's chunk lookup, inflate and copy, not the disk. One-layer and block reads
are the best of --repeats; the all-layer read runs once. Every layout's one-layer read is checked equal to the
first layout's.
Usage: layer-read.py DIR --layers L --frames F --dim D [--repeats R] [--only NAME,...]
"""
import argparse
import multiprocessing
import os
import sys
import time

import h5py
import numpy as np

# Rows per chunk and per write; columns per tile: Salience's writer default (ShardLayout.default).
CHUNK_ROWS = 1024
COLUMN_BLOCK = 64
GZIP = dict(compression="gzip", compression_opts=1, shuffle=True)
# The chunk cache every read uses: 64 MiB, as ops/bench/shard-read and HDF5.ChunkCache.default.
CACHE = dict(rdcc_nbytes=64 << 20, rdcc_nslots=12421, rdcc_w0=0.75)
# Frames per read call, as ops/bench/shard-read's h5py side (fewer, larger reads are h5py's best).
READ_FRAMES = 16384
# Frames generated at once: 2 chunk rows (L x D x 2048 x 4 bytes = 109 MB at L=13, D=1024).
WRITE_FRAMES = 2 * CHUNK_ROWS

LAYOUTS = ("per-layer-tiles", "per-layer-rows", "axis-tiles", "axis-chunks-true", "axis-appended",
           "axis-frame-rows", "axis-contiguous")


def layer_name(number):
    return f"layers/{number:02d}/embeddings"


def create(path, layout, layers, frames, dim):
    """Opens a new file of the layout; returns (file, write(start, block [rows, L, D]))."""
    f = h5py.File(path, "w", libver=("earliest", "v110"))
    if layout.startswith("per-layer"):
        tiles = layout == "per-layer-tiles"
        chunks = (CHUNK_ROWS, COLUMN_BLOCK) if tiles else (CHUNK_ROWS, dim)
        sets = [f.create_dataset(layer_name(l), shape=(frames, dim), dtype=np.float32, chunks=chunks,
                                 **(GZIP if tiles else {})) for l in range(layers)]

        def write(start, block):
            for l, ds in enumerate(sets):
                ds[start : start + len(block)] = block[:, l, :]
        return f, write
    shape = (frames, layers, dim)
    if layout == "axis-appended":
        ds = f.create_dataset("embeddings", shape=(0, layers, dim), maxshape=(None, layers, dim), dtype=np.float32,
                              chunks=True, **GZIP)

        def write(start, block):
            for a in range(0, len(block), CHUNK_ROWS):  # an encoder's batches, appended as they come
                piece = block[a : a + CHUNK_ROWS]
                ds.resize(start + a + len(piece), axis=0)
                ds[start + a : start + a + len(piece)] = piece
        return f, write
    options = {
        "axis-tiles": dict(chunks=(CHUNK_ROWS, 1, COLUMN_BLOCK), **GZIP),
        "axis-chunks-true": dict(chunks=True, **GZIP),
        "axis-frame-rows": dict(chunks=(CHUNK_ROWS, layers, dim), **GZIP),
        "axis-contiguous": {},
    }[layout]
    ds = f.create_dataset("embeddings", shape=shape, dtype=np.float32, **options)

    def write(start, block):
        ds[start : start + len(block)] = block
    return f, write


def write_one(directory, layout, layers, frames, dim):
    """Writes one layout's file from the values seeded by row block (the same in every layout); returns the
    process's CPU seconds (steadier than wall time while another file is written on the other core)."""
    start_cpu = time.process_time()
    generate = 0.0
    f, write = create(os.path.join(directory, layout + ".part"), layout, layers, frames, dim)
    with f:
        for start in range(0, frames, WRITE_FRAMES):
            rows = min(WRITE_FRAMES, frames - start)
            t = time.process_time()
            block = np.random.default_rng([1, start]).standard_normal((rows, layers, dim), dtype=np.float32)
            generate += time.process_time() - t
            write(start, block)
    os.replace(os.path.join(directory, layout + ".part"), os.path.join(directory, layout + ".h5"))
    return time.process_time() - start_cpu - generate


def write_all(directory, layouts, layers, frames, dim):
    """Writes every missing layout, one file per process on every core; returns CPU seconds per layout."""
    missing = [l for l in layouts if not os.path.exists(os.path.join(directory, l + ".h5"))]
    if not missing:
        return {}
    print(f"layer-read: writing {', '.join(missing)} in {directory}", file=sys.stderr)
    # fork: the parent has no HDF5 file open yet.
    with multiprocessing.get_context("fork").Pool(min(len(missing), os.cpu_count() or 1)) as pool:
        seconds = pool.starmap(write_one, [(directory, l, layers, frames, dim) for l in missing])
    return dict(zip(missing, seconds))


def warm(path):
    with open(path, "rb") as raw:
        while raw.read(16 << 20):
            pass


def stored_bytes(ds, layer, columns, layered_axis):
    """Bytes of the stored chunks a read of (layer, columns) touches; None for a contiguous dataset."""
    if ds.chunks is None:
        return None
    total = 0
    for i in range(ds.id.get_num_chunks()):
        info = ds.id.get_chunk_info(i)
        offset = info.chunk_offset
        if layered_axis:
            if not (offset[1] <= layer < offset[1] + ds.chunks[1]):
                continue
            column = offset[2]
            width = ds.chunks[2]
        else:
            column = offset[1]
            width = ds.chunks[1]
        if column < columns.stop and columns.start < column + width:
            total += info.size
    return total


def best(repeats, read):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        value = read()
        times.append(time.perf_counter() - t)
    return min(times), value


def measure(path, layers, frames, dim, layer, block, repeats):
    with h5py.File(path, "r", **CACHE) as f:
        per_layer = "layers" in f
        if per_layer:
            sets = [f[layer_name(l)] for l in range(layers)]
            one = sets[layer]
            chunks = one.chunks
            read_layer = lambda cols: np.concatenate(
                [one[a : min(a + READ_FRAMES, frames), cols] for a in range(0, frames, READ_FRAMES)])
            stored = stored_bytes(one, layer, block, False)
            stored_all = stored_bytes(one, layer, slice(0, dim), False)
        else:
            ds = f["embeddings"]
            chunks = ds.chunks
            read_layer = lambda cols: np.concatenate(
                [ds[a : min(a + READ_FRAMES, frames), layer, cols] for a in range(0, frames, READ_FRAMES)])
            stored = stored_bytes(ds, layer, block, True)
            stored_all = stored_bytes(ds, layer, slice(0, dim), True)

        one_layer_s, values = best(repeats, lambda: read_layer(slice(0, dim)))
        block_s, block_values = best(repeats, lambda: read_layer(block))
        t = time.perf_counter()
        checksum = 0.0
        for a in range(0, frames, READ_FRAMES):
            b = min(a + READ_FRAMES, frames)
            if per_layer:
                for ds_l in sets:
                    checksum += float(ds_l[a:b][0, 0])
            else:
                checksum += float(ds[a:b][0, 0, 0])
        all_s = time.perf_counter() - t
    assert np.array_equal(block_values, values[:, block])
    return dict(chunks=chunks, one=one_layer_s, block=block_s, all=all_s, values=values,
                stored=stored_all, stored_block=stored)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--frames", type=int, required=True)
    parser.add_argument("--dim", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(LAYOUTS))
    args = parser.parse_args()
    layouts = [l for l in args.only.split(",") if l]
    unknown = [l for l in layouts if l not in LAYOUTS]
    if unknown:
        parser.error(f"unknown layout {unknown[0]} (one of {', '.join(LAYOUTS)})")
    if args.dim % COLUMN_BLOCK or args.dim < COLUMN_BLOCK:
        parser.error(f"--dim must be a multiple of {COLUMN_BLOCK}")
    os.makedirs(args.directory, exist_ok=True)
    written = write_all(args.directory, layouts, args.layers, args.frames, args.dim)

    layer = args.layers // 2  # a middle layer
    block_start = (args.dim // 2) // COLUMN_BLOCK * COLUMN_BLOCK
    block = slice(block_start, block_start + COLUMN_BLOCK)  # one tile's columns
    values_gb = args.frames * args.layers * args.dim * 4 / 1e9
    print(f"layer-read: L={args.layers} x F={args.frames} x D={args.dim} float32 = {values_gb:.2f} GB of values per "
          f"layout; reads of layer {layer} (all columns, and columns {block.start}..<{block.stop}) best of "
          f"{args.repeats}, all layers once; page cache warm (every file read once first), h5py {h5py.__version__}, "
          f"HDF5 {h5py.version.hdf5_version}, {READ_FRAMES} frames per read call, 64 MiB chunk cache")
    results = {}
    for name in layouts:
        path = os.path.join(args.directory, name + ".h5")
        warm(path)
        results[name] = measure(path, args.layers, args.frames, args.dim, layer, block, args.repeats)
        results[name]["size"] = os.path.getsize(path)
        results[name]["write"] = written.get(name)

    reference = results[layouts[0]]
    mb = lambda b: "-" if b is None else f"{b / 1e6:.1f}"
    header = ("layout", "chunks", "disk MB", "write CPU s", "1 layer s", "stored MB", "64-col s", "stored MB",
              "all layers s", "1 layer / ref", "64-col / ref", "all / ref")
    rows = []
    for name in layouts:
        r = results[name]
        if not np.array_equal(r["values"], reference["values"]):
            sys.exit(f"layer-read: {name}: layer {layer} differs from {layouts[0]}'s")
        rows.append((name, "x".join(map(str, r["chunks"])) if r["chunks"] else "contiguous", mb(r["size"]),
                     "-" if r["write"] is None else f"{r['write']:.1f}", f"{r['one']:.4f}", mb(r["stored"]),
                     f"{r['block']:.4f}", mb(r["stored_block"]), f"{r['all']:.2f}",
                     f"{r['one'] / reference['one']:.2f}", f"{r['block'] / reference['block']:.2f}",
                     f"{r['all'] / reference['all']:.2f}"))
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))
    print(f"(ref = {layouts[0]}; 'stored MB' = stored bytes of the chunks the read touches; 'write CPU s' only when "
          f"this run wrote the file, without making the values)")
    for name in layouts[1:]:
        r = results[name]
        print(f"ratio {name:<17} one-layer read time / {layouts[0]} = {r['one'] / reference['one']:.2f}")


if __name__ == "__main__":
    main()
