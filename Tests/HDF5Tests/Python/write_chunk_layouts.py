"""Writes one HDF5 file with a 50 x 21 matrix in many chunked layouts, as h5py users make them, for the
direct-chunk read tests. Value at (r, c) = ((r * 31 + c * 7) % 1000) / 4: exact in float16 and float32.

Datasets (chunks 16 x 8, so both axes have partial edge chunks):
  shuffle_gzip, gzip, plain_chunked, rows_all_columns (16 x 21 chunks, no filter), half (float16, shuffle + gzip), big_endian (>f4, gzip),
  fletcher (gzip + fletcher32), contiguous (not chunked, h5py's default), contiguous_half (float16),
  contiguous_big_endian (>f4, not chunked), sparse (only chunk (0, 0) written, fill -1),
  masked (shuffle + gzip, chunk (0, 0) stored raw with both filters marked skipped),
  corrupt (shuffle + gzip, chunk (16, 8) replaced by bytes that do not inflate).
Usage: write_chunk_layouts.py OUT.h5
"""
import sys

import h5py
import numpy as np

ROWS, COLUMNS, CHUNK = 50, 21, (16, 8)
r, c = np.meshgrid(np.arange(ROWS), np.arange(COLUMNS), indexing="ij")
values = (((r * 31 + c * 7) % 1000) / 4).astype(np.float32)

with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("shuffle_gzip", data=values, chunks=CHUNK, compression="gzip", compression_opts=4, shuffle=True)
    f.create_dataset("gzip", data=values, chunks=CHUNK, compression="gzip", compression_opts=6)
    f.create_dataset("plain_chunked", data=values, chunks=CHUNK)
    # Rows x every column, no filter: the layout numpy users write.
    f.create_dataset("rows_all_columns", data=values, chunks=(16, COLUMNS))
    f.create_dataset("half", data=values.astype(np.float16), chunks=CHUNK, compression="gzip", shuffle=True)
    f.create_dataset("big_endian", data=values.astype(">f4"), chunks=CHUNK, compression="gzip")
    f.create_dataset("fletcher", data=values, chunks=CHUNK, compression="gzip", fletcher32=True)
    f.create_dataset("contiguous", data=values)
    f.create_dataset("contiguous_half", data=values.astype(np.float16))
    f.create_dataset("contiguous_big_endian", data=values.astype(">f4"))
    sparse = f.create_dataset("sparse", shape=values.shape, dtype="f4", chunks=CHUNK, fillvalue=-1.0)
    sparse[0:16, 0:8] = values[0:16, 0:8]

    masked = f.create_dataset("masked", data=values, chunks=CHUNK, compression="gzip", shuffle=True)
    # Chunk (0, 0) as plain little-endian bytes, both filters (bits 0 and 1) marked as not applied.
    masked.id.write_direct_chunk((0, 0), np.ascontiguousarray(values[0:16, 0:8]).tobytes(), filter_mask=0b11)

    corrupt = f.create_dataset("corrupt", data=values, chunks=CHUNK, compression="gzip", shuffle=True)
    corrupt.id.write_direct_chunk((16, 8), b"\x78\x9c" + bytes(range(200)), filter_mask=0)
