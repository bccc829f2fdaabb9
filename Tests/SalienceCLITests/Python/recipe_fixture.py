#!/usr/bin/env python3
"""Inputs and independent checks for the dataset-recipe tests.

  recipe_fixture.py make-npy DIR [--break KIND] [--dim D]
                                                  a tiny npy folder (DIR/feats, DIR/noisy, DIR/labels.csv)
                                                  of D columns (default 6); KIND spoils it: missing-file,
                                                  shape-mismatch, nan, unknown-split, duplicate-id, or
                                                  partial-raters (rater columns for valence only)
  recipe_fixture.py make-binary DIR [--label L]    a binary task with a label_std column (row 3's label = L)
  recipe_fixture.py check-npy DIR OUT [--float16] the shards in OUT hold exactly DIR's inputs
  recipe_fixture.py check-binary DIR OUT          the binary shards hold DIR's labels and label_std
  recipe_fixture.py spoil-offsets SHARD             makes offsets[2] equal offsets[1] (not increasing)
  recipe_fixture.py check-vader OUT [SHARED]      the vader recipe's shards agree with vader_lexicon.txt
                                                  (parsed here independently) and, for the same tokens,
                                                  with the shared reference dataset's embeddings

Checks print one JSON line and exit 0, or print what differs and exit 1.
"""

import csv
import glob
import hashlib
import json
import math
import os
import sys

import h5py
import numpy as np

D = 6
# Relative closeness of our all-MiniLM-L6-v2 frames to the shared dataset's (built with another torch
# and transformers version): fp32 kernels differ by ~1e-6 relative; 1e-4 still catches any change of
# model, layer, tokenisation or pooling, which move frames by O(1).
EMBEDDING_ATOL = 1e-4


def fail(message):
    print(message)
    sys.exit(1)


def make_npy(directory, broken):
    rng = np.random.default_rng(7)
    feats = os.path.join(directory, "feats")
    noisy = os.path.join(directory, "noisy")
    os.makedirs(feats)
    os.makedirs(noisy)
    rows = [["id", "split", "valence", "arousal", "valence.r1", "valence.r2", "valence.r3", "arousal.r1",
             "arousal.r2", "arousal.r3"]]
    for i in range(10):
        uid = f"utt-{i:02d}"
        frames = rng.standard_normal((int(rng.integers(1, 7)), D)).astype(np.float32) * 3
        if broken == "shape-mismatch" and i == 4:
            frames = frames[:, :-1]
        if broken == "nan" and i == 6:
            frames[0, 2] = np.nan
        if not (broken == "missing-file" and i == 3):
            np.save(os.path.join(feats, f"{uid}.npy"), frames)
        if i % 3 == 2:
            np.save(os.path.join(noisy, f"{uid}.npy"), frames[::-1] + 0.5)
        ratings = rng.integers(-3, 4, size=(3, 2)).astype(float)
        cells = [f"{v:g}" for v in ratings[:, 0]] + [f"{v:g}" for v in ratings[:, 1]]
        if i == 1:
            cells[1] = ""  # a rater who gave no valence score
        split = ["train", "dev", "test", "0", "1", "2"][i % 6]
        if broken == "unknown-split" and i == 5:
            split = "validation"
        labels = [f"{np.nanmean(ratings[:, 0]):.6g}", f"{ratings[:, 1].mean():.6g}"]
        rows.append([uid, split] + labels + cells)
    if broken == "duplicate-id":
        rows.append(list(rows[3]))
    if broken == "partial-raters":
        rows = [row[:7] for row in rows]  # id, split, valence, arousal, valence.r1 .. valence.r3
    with open(os.path.join(directory, "labels.csv"), "w", newline="") as f:
        csv.writer(f).writerows(rows)


def make_binary(directory, odd_label):
    rng = np.random.default_rng(11)
    feats = os.path.join(directory, "feats")
    os.makedirs(feats)
    rows = [["id", "split", "humour", "label_std"]]
    for i in range(8):
        np.save(os.path.join(feats, f"clip{i}.npy"), rng.standard_normal((int(rng.integers(2, 5)), 4)))
        label = odd_label if (i == 3 and odd_label is not None) else str(i % 2)
        rows.append([f"clip{i}", ["train", "dev", "test"][i % 3], label, f"{0.1 * i:.3f}"])
    with open(os.path.join(directory, "labels.csv"), "w", newline="") as f:
        csv.writer(f).writerows(rows)


def check_binary(directory, out):
    with open(os.path.join(directory, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    (path,) = glob.glob(os.path.join(out, "*.h5"))
    with h5py.File(path, "r") as f:
        task = f.attrs["task"]
        task = task.decode() if isinstance(task, bytes) else task
        if task != "binary":
            fail(f"task {task!r}")
        if "ratings" in f:
            fail("ratings written although the CSV has no rater columns")
        labels = f["labels"][:]
        stds = f["label_std"][:]
        emb = f["embeddings"][:]
        offsets = f["offsets"][:]
    if not np.array_equal(labels[:, 0], np.array([float(r["humour"]) for r in rows], dtype=np.float32)):
        fail(f"labels {labels.ravel().tolist()}")
    if not np.array_equal(stds[:, 0], np.array([float(r["label_std"]) for r in rows], dtype=np.float32)):
        fail(f"label_std {stds.ravel().tolist()}")
    for k, r in enumerate(rows):
        source = np.load(os.path.join(directory, "feats", f"{r['id']}.npy")).astype(np.float32)
        if not np.array_equal(emb[offsets[k] : offsets[k + 1]], source):
            fail(f"frames of {r['id']} differ (float64 input stored as float32)")
    print(json.dumps({"rows": len(rows)}))


def shards_of(out):
    result = {}
    for path in sorted(glob.glob(os.path.join(out, "*.h5"))):
        with h5py.File(path, "r") as f:
            condition = f.attrs.get("condition", "clean")
            condition = condition.decode() if isinstance(condition, bytes) else condition
            offsets = f["offsets"][:]
            emb = f["embeddings"][:]
            ids = [x.decode() if isinstance(x, bytes) else x for x in f["ids"][:]]
            entry = result.setdefault(condition, {"ids": [], "frames": {}, "split": [], "labels": [], "ratings": [],
                                                  "dtype": set(), "targets": None, "libver_ok": True})
            entry["dtype"].add(str(emb.dtype))
            entry["targets"] = [t.decode() if isinstance(t, bytes) else t for t in f.attrs["targets"]]
            for k, uid in enumerate(ids):
                entry["frames"][uid] = emb[offsets[k] : offsets[k + 1]]
            entry["ids"] += ids
            entry["split"] += list(f["split"][:])
            entry["labels"].append(f["labels"][:])
            entry["ratings"].append(f["ratings"][:] if "ratings" in f else None)
            # HDF5 1.10 readability: the superblock of an "earliest"/"v110" file is version 0, 2 or 3
            # (h5py writes 3 for v110; 1.12+ formats would bump object headers, caught by the Swift reader).
            with open(path, "rb") as raw:
                head = raw.read(9)
            if head[:8] != b"\x89HDF\r\n\x1a\n" or head[8] > 3:
                entry["libver_ok"] = False
    return result


def check_npy(directory, out, float16):
    with open(os.path.join(directory, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    shards = shards_of(out)
    if set(shards) != {"clean", "noise"}:
        fail(f"conditions {sorted(shards)}, expected clean and noise")
    clean = shards["clean"]
    expected_ids = [r["id"] for r in rows]
    if clean["ids"] != expected_ids:
        fail(f"clean ids {clean['ids']} != CSV order {expected_ids}")
    if clean["targets"] != ["valence", "arousal"]:
        fail(f"targets {clean['targets']}")
    dtype = np.float16 if float16 else np.float32
    if clean["dtype"] != {np.dtype(dtype).name}:
        fail(f"embeddings dtype {clean['dtype']}, expected {np.dtype(dtype).name}")
    for uid in expected_ids:
        source = np.load(os.path.join(directory, "feats", f"{uid}.npy")).astype(dtype)
        if not np.array_equal(clean["frames"][uid], source):
            fail(f"frames of {uid} differ from feats/{uid}.npy")
    split_code = {"train": 0, "dev": 1, "test": 2, "0": 0, "1": 1, "2": 2}
    if [int(s) for s in clean["split"]] != [split_code[r["split"]] for r in rows]:
        fail(f"split {clean['split']}")
    labels = np.concatenate(clean["labels"])
    want = np.array([[float(r["valence"]), float(r["arousal"])] for r in rows], dtype=np.float32)
    if not np.array_equal(labels, want):
        fail(f"labels {labels.tolist()} != {want.tolist()}")
    ratings = np.concatenate(clean["ratings"])
    cell = lambda text: float(text) if text else math.nan
    want = np.array([[[cell(r[f"valence.r{k}"]), cell(r[f"arousal.r{k}"])] for k in (1, 2, 3)] for r in rows],
                    dtype=np.float32)
    if ratings.shape != want.shape or not np.array_equal(ratings, want, equal_nan=True):
        fail(f"ratings {ratings.tolist()} != {want.tolist()}")
    if not np.isnan(ratings[1, 1, 0]):
        fail("the empty rater cell did not become NaN")
    noise = shards["noise"]
    noisy_ids = [uid for uid in expected_ids if os.path.exists(os.path.join(directory, "noisy", f"{uid}.npy"))]
    if noise["ids"] != noisy_ids:
        fail(f"distorted ids {noise['ids']} != {noisy_ids}")
    for uid in noisy_ids:
        source = np.load(os.path.join(directory, "noisy", f"{uid}.npy")).astype(dtype)
        if not np.array_equal(noise["frames"][uid], source):
            fail(f"distorted frames of {uid} differ from noisy/{uid}.npy")
    noise_labels = np.concatenate(noise["labels"])
    if not np.array_equal(noise_labels, labels[[expected_ids.index(u) for u in noisy_ids]]):
        fail("distorted labels differ from the clean labels of the same ids")
    if not all(s["libver_ok"] for s in shards.values()):
        fail("a shard's superblock is newer than HDF5 1.10 reads")
    print(json.dumps({"clean": len(clean["ids"]), "noise": len(noise["ids"])}))


def check_vader(out, shared):
    import vaderSentiment

    lexicon = os.path.join(os.path.dirname(vaderSentiment.__file__), "vader_lexicon.txt")
    # The lexicon, read independently of the recipe: the last line of a repeated token wins.
    entries = {}
    with open(lexicon, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line:
                continue
            token, _, _, raw = line.split("\t")[:4]
            entries.pop(token, None)
            entries[token] = json.loads(raw)
    shards = shards_of(out)
    clean = shards.get("clean")
    if clean is None:
        fail("no clean shard")
    ids = clean["ids"]
    order = list(entries)
    if ids != order[: len(ids)]:
        fail(f"ids {ids[:5]}... are not the lexicon's first {len(ids)} tokens {order[:5]}...")
    ratings = np.concatenate(clean["ratings"])[:, :, 0]
    want = np.array([entries[t] for t in ids], dtype=np.float32)
    if not np.array_equal(ratings, want):
        fail("ratings differ from the lexicon's 4th column")
    labels = np.concatenate(clean["labels"])[:, 0]
    if not np.allclose(labels, want.mean(axis=1), atol=1e-6):
        fail("labels are not the mean of the ratings")
    for uid, split in zip(ids, clean["split"]):
        bucket = int(hashlib.sha256(uid.encode()).hexdigest()[:8], 16) % 100
        if split != (0 if bucket < 80 else 1 if bucket < 90 else 2):
            fail(f"split of {uid!r} is {split}, the hash rule gives bucket {bucket}")
    for uid in ids:
        frames = clean["frames"][uid]
        if frames.shape[1] != 384 or frames.shape[0] < 3:
            fail(f"frames of {uid!r} have shape {frames.shape} (expected [CLS] + wordpieces + [SEP], D=384)")
    test_ids = [u for u, s in zip(ids, clean["split"]) if s == 2]
    typo = shards.get("typo-p15")
    if typo is None or typo["ids"] != test_ids:
        fail(f"typo shard ids {typo and typo['ids']} != test ids {test_ids}")
    with open(os.path.join(out, "vader-minilm-typo.tsv"), encoding="utf-8") as f:
        pairs = [line.rstrip("\n").split("\t") for line in f.readlines()[1:]]
    if [p[0] for p in pairs] != test_ids or any(p[0] == p[1] or not p[1] for p in pairs):
        fail(f"typo texts {pairs} are not edits of the test tokens")
    compared = 0
    worst = 0.0
    if shared and os.path.isdir(shared):
        reference = shards_of(shared)["clean"]
        for uid in ids:
            ref = reference["frames"].get(uid)
            if ref is None:
                fail(f"{uid!r} is not in the shared dataset")
            mine = clean["frames"][uid]
            if ref.shape != mine.shape:
                fail(f"{uid!r}: frames {mine.shape}, shared dataset {ref.shape}")
            worst = max(worst, float(np.abs(ref - mine).max()))
            compared += 1
        if worst > EMBEDDING_ATOL:
            fail(f"embeddings differ from the shared dataset's by up to {worst:g} (> {EMBEDDING_ATOL})")
    if not all(s["libver_ok"] for s in shards.values()):
        fail("a shard's superblock is newer than HDF5 1.10 reads")
    print(json.dumps({"utterances": len(ids), "test": len(test_ids), "compared": compared, "max_abs_diff": worst}))


def main():
    command = sys.argv[1]
    if command == "make-npy":
        broken = sys.argv[sys.argv.index("--break") + 1] if "--break" in sys.argv else None
        if "--dim" in sys.argv:
            global D
            D = int(sys.argv[sys.argv.index("--dim") + 1])
        make_npy(sys.argv[2], broken)
    elif command == "make-binary":
        make_binary(sys.argv[2], sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else None)
    elif command == "check-binary":
        check_binary(sys.argv[2], sys.argv[3])
    elif command == "check-npy":
        check_npy(sys.argv[2], sys.argv[3], "--float16" in sys.argv)
    elif command == "spoil-offsets":
        with h5py.File(sys.argv[2], "r+") as f:
            f["offsets"][2] = f["offsets"][1]
    elif command == "check-vader":
        check_vader(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
