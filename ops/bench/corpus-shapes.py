"""Writes header-only shard datasets shaped like the papers' speech corpora, for `salience scan --dry-run`.

Each dataset has the real corpus's frames (50 Hz, D = 1024), an assumed utterance count, splits 60/20/20 and
labels, in shards of about a million frames; `embeddings` is declared at its full shape with Salience's tiled
layout (1024 x 64 chunks, shuffle + gzip 1) but no chunk is ever written, and each file is a sparse file of the
frames' size, so a 175 GB corpus takes a few MB of disk. Only a dry run may read these files (a scan would read the fill value, zeros); `--dry-run` reads
headers only.

Usage: corpus-shapes.py OUT_DIR      (writes OUT_DIR/muse-humor, OUT_DIR/muse-mimic, OUT_DIR/msp-podcast, and the
                                      papers' protocols as specs: OUT_DIR/paper-a-<corpus>.toml, paper-b-<corpus>.toml)

The shapes (frames from the hours; utterance counts are assumptions, since the estimate depends on them only
through the number of statistics and IG tasks and KSG's N):
  muse-humor   ~16.5 h, 2.97 M frames, binary humour; 29,700 two-second segments
  muse-mimic   ~20.3 h, 3.66 M frames, 3 targets (regression); 5,800 clips
  msp-podcast  ~240 h, 43.2 M frames, arousal/valence/dominance; 151,000 turns
"""
import os
import sys

import h5py
import numpy as np

CORPORA = {
    "muse-humor": dict(hours=16.5, utterances=29_700, task="binary", targets=["humour"]),
    "muse-mimic": dict(hours=20.3, utterances=5_800, task="regression",
                       targets=["approval", "disappointment", "uncertainty"]),
    "msp-podcast": dict(hours=240.0, utterances=151_000, task="regression",
                        targets=["arousal", "valence", "dominance"]),
}
# Paper A (Mitra et al., ICASSP 2024) at the defaults of ../shared/docs/methods.md: CCS, MIS, PCA and the
# baselines at five ratios, TC-GRU, both label-variance modes, 3 seeds, at most 50 epochs. It needs rater spread,
# so not MuSe-Humor (binary).
PAPER_A = """name = "paper A protocol on {corpus}"
[dataset]
directory = "{corpus}"
[selection]
methods = ["ccs", "mis", "pca", "random", "full"]
ratios = [0.2, 0.4, 0.6, 0.8, 1.0]
thresholds = []
[training]
seeds = [1, 2, 3]
epochs = 50
label_variance = ["std-aux", "off"]
[output]
directory = "runs/paper-a-{corpus}"
"""
# Paper B (Grosz et al., MuSe 2023): the MuSe GRU-FF baseline on all dimensions, Integrated Gradients (right
# Riemann sum, 50 steps) over the train split, the mean and p75 thresholds, 3 seeds, at most 50 epochs.
PAPER_B = """name = "paper B protocol on {corpus}"
[dataset]
directory = "{corpus}"
[selection]
methods = ["ig", "random", "full"]
ratios = []
thresholds = ["mean", "p75"]
[ig]
steps = 50
method = "riemann-right"
[decoder]
kind = "gru-ff"
gru_units = 64
gru_layers = 1
ff_units = 64
dropout = 0.5
[training]
seeds = [1, 2, 3]
epochs = 50
label_variance = ["off"]
[output]
directory = "runs/paper-b-{corpus}"
"""
DIMENSION = 1024
FRAMES_PER_SHARD = 1_000_000


def write_corpus(directory, name, hours, utterances, task, targets):
    os.makedirs(directory, exist_ok=True)
    frames = int(hours * 3600 * 50)
    rng = np.random.default_rng(0)
    # Utterance lengths: equal shares of the frames, +-50 % jitter, summing to the total.
    weights = rng.uniform(0.5, 1.5, utterances)
    lengths = np.maximum(1, np.floor(weights / weights.sum() * frames)).astype(np.int64)
    lengths[-1] += frames - lengths.sum()
    split = np.zeros(utterances, dtype=np.uint8)
    split[int(0.6 * utterances):int(0.8 * utterances)] = 1
    split[int(0.8 * utterances):] = 2
    rng.shuffle(split)
    shard_count = max(1, round(frames / FRAMES_PER_SHARD))
    bounds = np.linspace(0, utterances, shard_count + 1).astype(int)
    for s in range(shard_count):
        first, last = bounds[s], bounds[s + 1]
        shard_lengths = lengths[first:last]
        offsets = np.concatenate([[0], np.cumsum(shard_lengths)]).astype(np.int64)
        path = os.path.join(directory, f"{name}-{s:03d}.h5")
        with h5py.File(path, "w", libver=("earliest", "v110")) as f:
            f.attrs["salience_format"] = "embedding-shard"
            f.attrs["format_version"] = 1
            f.attrs["encoder"] = f"header-only {name} shape (no frames written)"
            f.attrs["task"] = task
            f.attrs["targets"] = targets
            f.create_dataset("embeddings", shape=(int(offsets[-1]), DIMENSION), dtype="float32",
                             chunks=(1024, 64), compression="gzip", compression_opts=1, shuffle=True)
            f["offsets"] = offsets
            f["ids"] = np.array([f"{name}-{u:06d}" for u in range(first, last)], dtype=h5py.string_dtype())
            f["split"] = split[first:last]
            if task == "binary":
                labels = rng.integers(0, 2, (last - first, len(targets))).astype(np.float32)
            else:
                labels = rng.uniform(-1, 1, (last - first, len(targets))).astype(np.float32)
            f["labels"] = labels
            if task == "regression":  # the raters' spread, so that a spec may ask for std-aux
                f["label_std"] = rng.uniform(0, 0.5, (last - first, len(targets))).astype(np.float32)
        # Salience refuses a file too small to hold its declared frames (chunks never written); extending it
        # to the frames' float32 size with a hole (a sparse file: no disk used) passes that check.
        os.truncate(path, max(os.path.getsize(path), int(offsets[-1]) * DIMENSION * 4))
    print(f"{name}: {frames:,} frames ({frames * DIMENSION * 4 / 1e9:.1f} GB float32), {utterances:,} utterances, "
          f"{shard_count} shard(s) in {directory}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, shape in CORPORA.items():
        write_corpus(os.path.join(sys.argv[1], name), name, **shape)
        protocols = [("b", PAPER_B)] + ([("a", PAPER_A)] if shape["task"] == "regression" else [])
        for letter, text in protocols:
            with open(os.path.join(sys.argv[1], f"paper-{letter}-{name}.toml"), "w") as f:
                f.write(text.format(corpus=name))


if __name__ == "__main__":
    main()
