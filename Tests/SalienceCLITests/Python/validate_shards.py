#!/usr/bin/env python3
"""Checks a shard dataset directory against ../shared/docs/shard-format.md (version 1) with h5py alone.

An independent reading of the format rules, used by the dataset-recipe tests to judge what the recipes
write. Prints a JSON summary on success (exit 0); prints one line per violation, each naming the file,
the dataset and the index, and exits 1 otherwise.

usage: validate_shards.py DIR
"""

import glob
import json
import os
import sys

import h5py
import numpy as np

STRING_KINDS = ("S", "O", "U")


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return value if isinstance(value, str) else None


def validate(directory):
    problems = []
    shards = []
    paths = sorted(glob.glob(os.path.join(directory, "*.h5")))
    if not paths:
        return [f"{directory}: no *.h5 shards"], []
    for path in paths:
        name = os.path.basename(path)

        def bad(where, message):
            problems.append(f"{name}: {where}: {message}")

        with h5py.File(path, "r") as f:
            a = f.attrs
            if text(a.get("salience_format")) != "embedding-shard":
                bad("attribute salience_format", f"is {a.get('salience_format')!r}, not 'embedding-shard'")
            version = a.get("format_version")
            if version is None or not np.issubdtype(np.asarray(version).dtype, np.integer) or int(version) != 1:
                bad("attribute format_version", f"is {version!r}, not integer 1")
            if text(a.get("encoder")) is None:
                bad("attribute encoder", "missing or not a string")
            task = text(a.get("task"))
            if task not in ("regression", "binary"):
                bad("attribute task", f"is {a.get('task')!r}")
            targets = a.get("targets")
            targets = [text(t) for t in np.atleast_1d(targets)] if targets is not None else []
            if not targets or any(t is None for t in targets):
                bad("attribute targets", "missing, empty or not strings")
            condition = text(a.get("condition")) if "condition" in a else "clean"
            if condition is None:
                bad("attribute condition", "not a string")
            required = {"embeddings": 2, "offsets": 1, "ids": 1, "split": 1, "labels": 2}
            for key, rank in required.items():
                if key not in f:
                    bad(key, "missing")
                elif len(f[key].shape) != rank:
                    bad(key, f"rank {len(f[key].shape)}, expected {rank}")
            if any(key not in f or len(f[key].shape) != rank for key, rank in required.items()):
                continue
            e, o, ids, s, y = (f[k] for k in ("embeddings", "offsets", "ids", "split", "labels"))
            if e.dtype not in (np.float32, np.float16):
                bad("embeddings", f"dtype {e.dtype}")
            if o.dtype != np.int64:
                bad("offsets", f"dtype {o.dtype}")
            if ids.dtype.kind not in STRING_KINDS:
                bad("ids", f"dtype {ids.dtype} is not a string type")
            if s.dtype != np.uint8:
                bad("split", f"dtype {s.dtype}")
            if y.dtype != np.float32:
                bad("labels", f"dtype {y.dtype}")
            n = ids.shape[0]
            frames, width = e.shape
            if o.shape[0] != n + 1:
                bad("offsets", f"length {o.shape[0]}, expected N + 1 = {n + 1}")
            if s.shape[0] != n:
                bad("split", f"length {s.shape[0]}, expected N = {n}")
            if y.shape != (n, len(targets)):
                bad("labels", f"shape {y.shape}, expected {(n, len(targets))}")
            offsets = o[:]
            if len(offsets) and offsets[0] != 0:
                bad("offsets", f"index 0 is {offsets[0]}, not 0")
            steps = np.nonzero(np.diff(offsets) <= 0)[0]
            if len(steps):
                bad("offsets", f"index {steps[0] + 1}: {offsets[steps[0] + 1]} does not increase")
            if len(offsets) and offsets[-1] != frames:
                bad("offsets", f"index {len(offsets) - 1} is {offsets[-1]}, embeddings has F = {frames} rows")
            values = e[:]
            nonfinite = np.argwhere(~np.isfinite(values))
            if len(nonfinite):
                bad("embeddings", f"index {tuple(int(i) for i in nonfinite[0])}: {values[tuple(nonfinite[0])]}")
            labels = y[:]
            nonfinite = np.argwhere(~np.isfinite(labels))
            if len(nonfinite):
                bad("labels", f"index {tuple(int(i) for i in nonfinite[0])}: not finite")
            if task == "binary":
                off = np.argwhere((labels != 0) & (labels != 1))
                if len(off):
                    bad("labels", f"index {tuple(int(i) for i in off[0])}: binary label {labels[tuple(off[0])]}")
            splits = s[:]
            off = np.nonzero(splits > 2)[0]
            if len(off):
                bad("split", f"index {off[0]}: value {splits[off[0]]}")
            if "ratings" in f:
                r = f["ratings"]
                if r.dtype != np.float32 or len(r.shape) != 3 or r.shape[0] != n or r.shape[2] != len(targets):
                    bad("ratings", f"dtype {r.dtype} shape {r.shape}, expected float32 [{n}, R, {len(targets)}]")
                elif np.isinf(r[:]).any():
                    bad("ratings", "holds an infinity")
            if "label_std" in f:
                d = f["label_std"]
                if d.dtype != np.float32 or d.shape != (n, len(targets)):
                    bad("label_std", f"dtype {d.dtype} shape {d.shape}, expected float32 {(n, len(targets))}")
            id_list = [text(x) for x in ids[:]]
            shards.append({
                "file": name, "condition": condition, "task": task, "targets": targets, "D": width,
                "N": n, "F": frames, "ids": id_list, "dtype": str(e.dtype), "chunks": e.chunks,
                "compression": e.compression, "shuffle": e.shuffle,
                "splits": [int((splits == k).sum()) for k in range(3)],
            })
    if shards:
        first = shards[0]
        for shard in shards[1:]:
            for key in ("task", "targets", "D"):
                if shard[key] != first[key]:
                    problems.append(f"{shard['file']}: {key} {shard[key]!r} differs from {first['file']}'s "
                                    f"{first[key]!r}")
        seen = {}
        for shard in shards:
            for index, uid in enumerate(shard["ids"]):
                key = (shard["condition"], uid)
                if key in seen:
                    problems.append(f"{shard['file']}: ids: index {index}: id {uid!r} repeats {seen[key]} "
                                    f"in condition {shard['condition']}")
                else:
                    seen[key] = f"{shard['file']} index {index}"
        clean_ids = {uid for (condition, uid) in seen if condition == "clean"}
        for shard in shards:
            if shard["condition"] != "clean":
                stray = [uid for uid in shard["ids"] if uid not in clean_ids]
                if stray:
                    problems.append(f"{shard['file']}: ids: {stray[0]!r} (condition {shard['condition']}) "
                                    f"is in no clean shard")
    return problems, shards


def main():
    problems, shards = validate(sys.argv[1])
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    for shard in shards:
        del shard["ids"]
    print(json.dumps(shards))


if __name__ == "__main__":
    main()
