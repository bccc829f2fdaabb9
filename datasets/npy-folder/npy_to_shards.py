#!/usr/bin/env python3
"""Turns a folder of .npy frame arrays plus a labels CSV into an embedding-shard dataset (format version 1;
version 2, layered, with one folder per encoder layer).

Input:
- FRAMES: a folder with one `<id>.npy` per utterance, a float array [frames, D] (a 1-D [D] array is one
  frame: pooled features). Every file has the same D.
- LABELS: a CSV with a header row. Columns:
    id                       the utterance id (the .npy file name without .npy); unique
    split                    train / dev / test (or 0 / 1 / 2)
    <target> ...             one column per target (the consensus label: mean rating, or 0/1 for binary)
    <target>.r1 .. <target>.rR   optional individual raters' scores; an empty cell = the rater gave none (NaN)
    <target>.std or label_std    optional standard deviation of the raters' scores (label_std: one target only)
  Any other column is a target unless --targets names the targets (then other columns are ignored).
- optionally DISTORTED: a second folder of `<id>.npy` files for ids in LABELS (any subset), written as a
  shard with condition NAME (--condition), the same labels.
- instead of FRAMES, --layer-frames N=DIR once per encoder layer N (e.g. the index into hidden_states): every
  shard is then layered (format version 2: layers/NN/embeddings). Every layer has a file for the same ids with
  the same number of frames; D may differ between layers. The distorted copy then comes as
  --layer-distorted N=DIR for the same layer numbers.

Output: OUT/<name>-000.h5 .. (clean, --shards of about equal frame counts, rows in CSV order) and
OUT/<name>-<condition>.h5. Written with libver ("earliest", "v110") so HDF5 1.10 reads them.

Every input problem stops the run with one line naming the file, row or column; nothing is written
until all inputs have been checked.

Example:
  python3 datasets/npy-folder/npy_to_shards.py --frames feats/ --labels labels.csv \\
      --encoder "HuBERT-base layer 9" --out out/mydata --shards 4 --float16 \\
      --distorted feats-noisy/ --condition babble-snr5
"""

import argparse
import csv
import math
import re
import sys
from pathlib import Path

try:
    import h5py
    import numpy as np
except ImportError as missing:  # a clear line instead of a traceback: the one dependency step there is
    print(f"npy-folder: error: this recipe needs numpy and h5py, and {missing.name} is not installed: "
          f"pip install numpy h5py (or use the project's venv, ops/python-env)", file=sys.stderr)
    sys.exit(1)

SPLITS = {"train": 0, "dev": 1, "test": 2, "0": 0, "1": 1, "2": 2}
# Embeddings are chunked in tiles of CHUNK_ROWS frames x CHUNK_COLUMNS dimensions (docs/shard-format.md,
# "Chunking"): a reader of a column subset (a dimension-block task, training on selected dimensions)
# then inflates only the column blocks it needs, not every column of each row. 1024 x 64 float32 is
# 256 KiB per chunk, the tile the format document recommends.
CHUNK_ROWS = 1024
CHUNK_COLUMNS = 64
GZIP_LEVEL = 4
CONDITION_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
RATER_COLUMN = re.compile(r"^(?P<target>.+)\.r(?P<rater>[0-9]+)$")


class RecipeError(Exception):
    """An input problem, reported as one line naming what and where."""


class Table:
    """The labels CSV, checked: ids, splits, labels [N, T], ratings [N, R, T] or None, label_std or None."""

    def __init__(self, path, targets_option, task):
        if not path.is_file():
            raise RecipeError(f"{path}: labels CSV not found")
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        if not rows:
            raise RecipeError(f"{path}: empty file (expected a header row: id,split,<targets...>)")
        header = [h.strip() for h in rows[0]]
        where = {name: k for k, name in enumerate(header)}
        if len(where) != len(header):
            duplicate = next(h for h in header if header.count(h) > 1)
            raise RecipeError(f"{path}: column {duplicate!r} appears twice in the header")
        for required in ("id", "split"):
            if required not in where:
                raise RecipeError(f"{path}: no {required!r} column in the header {header}")

        raters = {}  # target -> {rater number: column}
        stds = {}
        for name in header:
            match = RATER_COLUMN.match(name)
            if match:
                raters.setdefault(match["target"], {})[int(match["rater"])] = where[name]
            elif name.endswith(".std"):
                stds[name[: -len(".std")]] = where[name]
        if targets_option:
            targets = [t.strip() for t in targets_option.split(",") if t.strip()]
            for t in targets:
                if t not in where:
                    raise RecipeError(f"{path}: --targets names {t!r}, which is not a column ({header})")
        else:
            special = {"id", "split", "label_std"}
            targets = [
                h for h in header
                if h not in special and not RATER_COLUMN.match(h) and not h.endswith(".std")
            ]
        if not targets:
            raise RecipeError(f"{path}: no target columns (columns besides id, split, raters and stds)")
        for t in list(raters) + list(stds):
            if t not in targets:
                raise RecipeError(f"{path}: rater/std columns for {t!r}, which is not a target ({targets})")
        if "label_std" in where:
            if len(targets) != 1:
                raise RecipeError(f"{path}: label_std is for one target; with {len(targets)} use <target>.std")
            if stds:
                raise RecipeError(f"{path}: both label_std and <target>.std columns")
            stds = {targets[0]: where["label_std"]}
        if raters and stds:
            raise RecipeError(f"{path}: both rater columns and std columns (the format keeps label_std only "
                              f"when ratings are absent)")
        for t, numbers in raters.items():
            expected = list(range(1, max(numbers) + 1))
            if sorted(numbers) != expected:
                missing = sorted(set(expected) - set(numbers))
                raise RecipeError(f"{path}: rater columns of {t!r} skip {', '.join(f'{t}.r{m}' for m in missing)}")
        if stds and set(stds) != set(targets):
            raise RecipeError(f"{path}: std columns for {sorted(stds)} but targets are {targets}; give all or none")
        rater_count = max((max(n) for n in raters.values()), default=0)
        unrated = [t for t in targets if raters and t not in raters]
        if unrated:
            # The format keeps one `ratings` array for all targets, so these targets' ratings are all NaN.
            # Salience refuses a label-variance mode that needs rater spread (std-aux, nll, distribution,
            # weighted) on such a target rather than fit its spread head to nothing; say so now.
            print(f"npy-folder: warning: {path}: rater columns exist for {sorted(raters)} but not for "
                  f"{unrated}; their ratings are stored as NaN (no rater information). Training on them with "
                  f"--label-variance std-aux, nll, distribution or weighted is refused; use --label-variance off, "
                  f"or give every target <target>.r1 .. columns", file=sys.stderr)

        self.path = path
        self.targets = targets
        self.ids = []
        self.splits = []
        labels = []
        ratings = []
        label_std = []
        first_line = {}
        for line, row in enumerate(rows[1:], start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise RecipeError(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
            uid = row[where["id"]].strip()
            if not uid:
                raise RecipeError(f"{path}:{line}: empty id")
            if uid in first_line:
                raise RecipeError(f"{path}:{line}: duplicate id {uid!r} (first on line {first_line[uid]})")
            first_line[uid] = line
            split = row[where["split"]].strip().lower()
            if split not in SPLITS:
                raise RecipeError(f"{path}:{line}: id {uid!r}: unknown split {row[where['split']]!r} "
                                  f"(expected train, dev, test or 0, 1, 2)")
            self.ids.append(uid)
            self.splits.append(SPLITS[split])
            values = []
            for t in targets:
                v = self.number(row[where[t]], line, t, allow_empty=False)
                if task == "binary" and v not in (0.0, 1.0):
                    raise RecipeError(f"{path}:{line}: id {uid!r}: binary target {t!r} is {v:g}, not 0 or 1")
                values.append(v)
            labels.append(values)
            if rater_count:
                ratings.append([
                    [self.number(row[raters[t][r]], line, f"{t}.r{r}", allow_empty=True)
                     if t in raters and r in raters[t] else math.nan
                     for t in targets]
                    for r in range(1, rater_count + 1)
                ])
            if stds:
                label_std.append([self.number(row[stds[t]], line, header[stds[t]], allow_empty=False)
                                  for t in targets])
        if not self.ids:
            raise RecipeError(f"{path}: no data rows")
        self.labels = np.asarray(labels, dtype=np.float32)
        self.ratings = np.asarray(ratings, dtype=np.float32) if rater_count else None
        self.label_std = np.asarray(label_std, dtype=np.float32) if stds else None
        self.row_of = {uid: k for k, uid in enumerate(self.ids)}

    def number(self, cell, line, column, allow_empty):
        text = cell.strip()
        if not text:
            if allow_empty:
                return math.nan
            raise RecipeError(f"{self.path}:{line}: column {column!r} is empty")
        try:
            value = float(text)
        except ValueError:
            raise RecipeError(f"{self.path}:{line}: column {column!r}: {text!r} is not a number")
        if not math.isfinite(value) and not (allow_empty and math.isnan(value)):
            raise RecipeError(f"{self.path}:{line}: column {column!r}: {text!r} is not finite")
        return value


def frame_shape(path):
    """(frames, D) of one .npy file, read from its header only; checks dtype and rank."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise RecipeError(f"{path}: not a readable .npy array: {error}")
    if array.dtype.kind not in "fiu":
        raise RecipeError(f"{path}: dtype {array.dtype} is not numeric (expected float frames)")
    if array.ndim == 1 and array.shape[0] > 0:
        return 1, array.shape[0]
    if array.ndim not in (1, 2):
        raise RecipeError(f"{path}: shape {array.shape} is not [frames, D] (or [D] for one frame)")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise RecipeError(f"{path}: shape {array.shape} has no frames or no columns")
    return array.shape


def scan_folder(folder, wanted_ids, what, require_all):
    """{id: (path, frames, D)} for the ids in wanted_ids found in folder; checks presence and one common D."""
    if not folder.is_dir():
        raise RecipeError(f"{folder}: {what} folder not found")
    present = {p.name[: -len(".npy")]: p for p in folder.iterdir() if p.name.endswith(".npy")}
    unknown = sorted(set(present) - set(wanted_ids))
    if require_all:
        missing = [uid for uid in wanted_ids if uid not in present]
        if missing:
            shown = ", ".join(repr(str(folder / f"{m}.npy")) for m in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise RecipeError(f"{folder}: {len(missing)} id(s) of the labels CSV have no .npy file: {shown}{more}")
        if unknown:
            print(f"npy-folder: note: {len(unknown)} .npy file(s) in {folder} are not in the labels CSV and are "
                  f"skipped (e.g. {unknown[0]!r})", file=sys.stderr)
    elif unknown:
        shown = ", ".join(repr(str(present[u])) for u in unknown[:5])
        raise RecipeError(f"{folder}: {len(unknown)} {what} file(s) have ids not in the labels CSV: {shown}")
    found = {}
    reference = None
    for uid in wanted_ids:
        if uid not in present:
            continue
        frames, width = frame_shape(present[uid])
        if reference is None:
            reference = (present[uid], width)
        elif width != reference[1]:
            raise RecipeError(f"{present[uid]}: D={width}, but {reference[0]} has D={reference[1]}")
        found[uid] = (present[uid], frames, width)
    if not found:
        raise RecipeError(f"{folder}: no .npy file matches an id of the labels CSV")
    return found


def layer_folders(values, option):
    """{layer number: folder} from repeated `N=DIR` values of `option`, in increasing layer number."""
    folders = {}
    for value in values:
        number, sep, folder = value.partition("=")
        if not sep or not folder or not number.strip().isdigit():
            raise RecipeError(f"{option} {value!r}: expected N=DIR, N the layer number (0, 1, ...), e.g. 9=feats-l9/")
        number = int(number)
        if number in folders:
            raise RecipeError(f"{option}: layer {number} given twice ({folders[number]} and {folder})")
        folders[number] = Path(folder)
    return dict(sorted(folders.items()))


def scan_layers(folders, wanted_ids, what, require_all):
    """{layer: {id: (path, frames, D)}}, every layer holding the same ids with the same frame counts."""
    layers = {n: scan_folder(folder, wanted_ids, f"layer {n} {what}", require_all) for n, folder in folders.items()}
    first, reference = next(iter(layers.items()))
    for number, files in layers.items():
        if set(files) != set(reference):
            uid = sorted(set(files) ^ set(reference))[0]
            holder, other = (number, first) if uid in files else (first, number)
            raise RecipeError(f"{folders[holder]}: {uid}.npy has no counterpart in layer {other}'s folder "
                              f"{folders[other]}; every layer needs the same ids")
        for uid, (path, frames, _) in files.items():
            if frames != reference[uid][1]:
                raise RecipeError(f"{path}: {frames} frames, but layer {first}'s {reference[uid][0]} has "
                                  f"{reference[uid][1]}; every layer needs the same frames per utterance")
    return layers


def shard_cuts(frame_counts, shards):
    """Row indices where shards end: the row at which the running frame count first reaches k/shards of
    the total ends shard k (the rule of the vader-minilm recipe)."""
    n = len(frame_counts)
    if shards < 1 or shards > n:
        raise RecipeError(f"--shards {shards}: need 1 <= shards <= number of utterances ({n})")
    cumulative = np.cumsum(frame_counts)
    cuts = [0]
    for k in range(1, shards):
        cut = int(np.searchsorted(cumulative, k * cumulative[-1] / shards, side="left")) + 1
        cut = min(max(cut, cuts[-1] + 1), n - (shards - k))
        cuts.append(cut)
    cuts.append(n)
    return cuts


def write_shard(path, args, table, targets, condition, rows, layers, dtype):
    """Writes (to `path`) one shard holding the CSV rows `rows` with frames from `layers` ({layer: {id: (path,
    frames, D)}}); the layer None is a version-1 root `embeddings`, numbered layers make a version-2 shard."""
    first = next(iter(layers.values()))
    counts = [first[table.ids[r]][1] for r in rows]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    total = int(offsets[-1])
    layered = None not in layers
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["salience_format"] = "embedding-shard"
        f.attrs["format_version"] = np.int64(2 if layered else 1)
        f.attrs["encoder"] = args.encoder
        f.attrs["task"] = args.task
        f.attrs["targets"] = np.array(targets, dtype=h5py.string_dtype())
        f.attrs["condition"] = condition
        for number, files in layers.items():
            width = files[table.ids[rows[0]]][2]
            chunk = (max(1, min(total, CHUNK_ROWS)), max(1, min(width, CHUNK_COLUMNS)))
            embeddings = f.create_dataset(
                f"layers/{number:02d}/embeddings" if layered else "embeddings",
                shape=(total, width), dtype=dtype, chunks=chunk,
                compression=None if args.no_compress else "gzip",
                compression_opts=None if args.no_compress else GZIP_LEVEL,
                shuffle=not args.no_compress,
            )
            for k, r in enumerate(rows):
                source = files[table.ids[r]][0]
                frames = np.load(source, allow_pickle=False)
                frames = frames.reshape(1, -1) if frames.ndim == 1 else frames
                bad = np.argwhere(~np.isfinite(frames))
                if len(bad):
                    i, j = bad[0]
                    raise RecipeError(f"{source}: non-finite value {frames[i, j]} at frame {i}, column {j}")
                converted = frames.astype(dtype)
                if dtype == np.float16:
                    bad = np.argwhere(~np.isfinite(converted))
                    if len(bad):
                        i, j = bad[0]
                        raise RecipeError(f"{source}: value {frames[i, j]} at frame {i}, column {j} overflows "
                                          f"float16 (max 65504); drop --float16")
                embeddings[offsets[k] : offsets[k + 1]] = converted
        f.create_dataset("offsets", data=offsets)
        f.create_dataset("ids", data=np.array([table.ids[r] for r in rows], dtype=object),
                         dtype=h5py.string_dtype())
        f.create_dataset("split", data=np.asarray([table.splits[r] for r in rows], dtype=np.uint8))
        f.create_dataset("labels", data=table.labels[rows])
        if table.ratings is not None:
            f.create_dataset("ratings", data=table.ratings[rows])
        if table.label_std is not None:
            f.create_dataset("label_std", data=table.label_std[rows])
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Turn a folder of <id>.npy frame arrays plus a labels CSV into embedding shards.",
        epilog="example: npy_to_shards.py --frames feats/ --labels labels.csv --encoder 'HuBERT-base layer 9' "
               "--out out/mydata --shards 4",
    )
    parser.add_argument("--frames", type=Path, help="folder of <id>.npy arrays [frames, D]")
    parser.add_argument("--layer-frames", action="append", default=[], metavar="N=DIR",
                        help="instead of --frames, once per encoder layer N: a layered shard (format version 2)")
    parser.add_argument("--labels", required=True, type=Path, help="CSV: id, split, <targets>, optional raters")
    parser.add_argument("--encoder", required=True, help="free text naming the model and layer of the frames")
    parser.add_argument("--out", required=True, type=Path, help="output directory (created)")
    parser.add_argument("--name", default=None, help="shard file prefix (default: the output folder's name)")
    parser.add_argument("--task", choices=("regression", "binary"), default="regression")
    parser.add_argument("--targets", default=None, help="comma-separated target columns (default: inferred)")
    parser.add_argument("--shards", type=int, default=1, help="number of clean shards (default 1)")
    parser.add_argument("--float16", action="store_true", help="store embeddings as float16 (half the disk)")
    parser.add_argument("--no-compress", action="store_true", help="chunked but not gzip-compressed")
    parser.add_argument("--distorted", type=Path, default=None, help="folder of <id>.npy of a distorted copy")
    parser.add_argument("--layer-distorted", action="append", default=[], metavar="N=DIR",
                        help="with --layer-frames: the distorted copy's folder of layer N, for every layer")
    parser.add_argument("--condition", default=None, help="name of the distortion, e.g. babble-snr5")
    parser.add_argument("--overwrite", action="store_true", help="replace the <name>-*.h5 shards already in --out")
    args = parser.parse_args(argv)
    if (args.frames is None) == (not args.layer_frames):
        raise RecipeError("give either --frames DIR or --layer-frames N=DIR (once per layer), not both or neither")
    if args.layer_frames and args.distorted is not None:
        raise RecipeError("with --layer-frames the distorted copy is --layer-distorted N=DIR, once per layer")
    if args.layer_distorted and not args.layer_frames:
        raise RecipeError("--layer-distorted goes with --layer-frames; with --frames use --distorted DIR")
    has_distorted = args.distorted is not None or bool(args.layer_distorted)
    if has_distorted != (args.condition is not None):
        raise RecipeError("--distorted (or --layer-distorted) and --condition go together")
    if args.condition is not None and (args.condition == "clean" or not CONDITION_NAME.match(args.condition)):
        raise RecipeError(f"--condition {args.condition!r}: name the distortion with letters, digits, '.', '_' "
                          f"or '-' (not 'clean'), e.g. babble-snr5")
    name = args.name or args.out.resolve().name
    dtype = np.float16 if args.float16 else np.float32

    table = Table(args.labels, args.targets, args.task)
    # {layer: {id: (path, frames, D)}}; the one layer of a version-1 dataset is None.
    if args.layer_frames:
        clean_folders = layer_folders(args.layer_frames, "--layer-frames")
        clean = scan_layers(clean_folders, table.ids, "frames", require_all=True)
    else:
        clean_folders = {None: args.frames}
        clean = {None: scan_folder(args.frames, table.ids, "frames", require_all=True)}
    distorted = None
    if has_distorted:
        if args.layer_distorted:
            distorted_folders = layer_folders(args.layer_distorted, "--layer-distorted")
            if list(distorted_folders) != list(clean_folders):
                raise RecipeError(f"--layer-distorted gives layers {list(distorted_folders)}, --layer-frames "
                                  f"{list(clean_folders)}; every shard of a dataset has the same layers")
            distorted = scan_layers(distorted_folders, table.ids, "distorted", require_all=False)
        else:
            distorted_folders = {None: args.distorted}
            distorted = {None: scan_folder(args.distorted, table.ids, "distorted", require_all=False)}
        for number in clean:
            clean_width = next(iter(clean[number].values()))[2]
            distorted_width = next(iter(distorted[number].values()))[2]
            if distorted_width != clean_width:
                raise RecipeError(f"{distorted_folders[number]}: D={distorted_width}, but {clean_folders[number]} "
                                  f"has D={clean_width}")

    rows = list(range(len(table.ids)))
    first_layer = next(iter(clean.values()))
    cuts = shard_cuts([first_layer[table.ids[r]][1] for r in rows], args.shards)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.overwrite:
        for old in args.out.glob(f"{name}-*.h5"):
            old.unlink()
    existing = sorted(p.name for p in args.out.glob("*.h5"))
    if existing:
        raise RecipeError(f"{args.out}: already holds shards ({', '.join(existing[:3])}); every *.h5 there joins "
                          f"the dataset, so use an empty folder or --overwrite to replace <name>-*.h5")
    # Every shard is written as <file>.partial and renamed only when all of them are complete, so a bad
    # frame file met half-way leaves no shard behind.
    planned = [(args.out / f"{name}-{k:03d}.h5", "clean", rows[cuts[k] : cuts[k + 1]], clean)
               for k in range(args.shards)]
    if distorted is not None:
        distorted_rows = [r for r in rows if table.ids[r] in next(iter(distorted.values()))]
        planned.append((args.out / f"{name}-{args.condition}.h5", args.condition, distorted_rows, distorted))
    written = []
    try:
        for path, condition, shard_rows, files in planned:
            partial = path.with_name(path.name + ".partial")
            frames = write_shard(partial, args, table, table.targets, condition, shard_rows, files, dtype)
            written.append((partial, path))
            print(f"npy-folder: {path}: condition {condition}, {len(shard_rows)} utterances, {frames} frames",
                  file=sys.stderr)
    except BaseException:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        for path, _, _, _ in planned:
            path.with_name(path.name + ".partial").unlink(missing_ok=True)
        raise
    for partial, path in written:
        partial.replace(path)
    written = [path for _, path in written]
    for path in written:
        print(path)


if __name__ == "__main__":
    try:
        main()
    except RecipeError as error:
        print(f"npy-folder: error: {error}", file=sys.stderr)
        sys.exit(1)
