"""The PyTorch peer of `salience train` for ops/bench/train: the same TC-GRU (Conv1d k3 256 -> ReLU ->
dropout 0.2 -> GRU 256x2 -> last valid step -> Linear 128 + ReLU -> Linear T), the same data (clean shards
of a dataset directory, train-split standardisation), the same batches (64 utterances, shuffled epoch cut
into buckets of 16 batches sorted by length), 1 - CCC loss, Adam lr 1e-3, CPU with 2 threads.

Written as the fastest honest loop a PyTorch user would write (issue 17, "peers at full strength"): frames
standardised once up front (not per batch), batches padded by `pad_sequence` in C, and the GRU run over the
padded batch with each sequence's last valid output gathered (a one-directional GRU's output at step t does
not depend on later steps, so this equals `pack_padded_sequence` without its sorting and packing). Only the
training steps are timed. `--packed` runs the earlier packed version, for comparison.

Usage: python train_torch.py DATASET_DIR --epochs 3 --seed 1
Prints one JSON line: utterances per second (training only), dev CCC per epoch, test CCC of the best epoch.
"""
import argparse
import glob
import json
import os
import time

import h5py
import numpy as np
import torch


def load(directory):
    parts = {0: [], 1: [], 2: []}
    for path in sorted(glob.glob(os.path.join(directory, "*.h5"))):
        with h5py.File(path, "r") as f:
            condition = f.attrs.get("condition", "clean")
            if isinstance(condition, bytes):
                condition = condition.decode()
            if condition != "clean":
                continue
            emb = f["embeddings"][:].astype(np.float32)
            off = f["offsets"][:]
            split = f["split"][:]
            labels = f["labels"][:].astype(np.float32)
            for i in range(len(split)):
                parts[int(split[i])].append((emb[off[i]:off[i + 1]], labels[i]))
    return parts[0], parts[1], parts[2]


class TCGRU(torch.nn.Module):
    def __init__(self, width, targets):
        super().__init__()
        self.conv = torch.nn.Conv1d(width, 256, 3, padding=1)
        self.dropout = torch.nn.Dropout(0.2)
        self.gru = torch.nn.GRU(256, 256, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(256, 128)
        self.output = torch.nn.Linear(128, targets)

    packed = False

    def forward(self, x, lengths):  # x: [B, T, D] zero-padded
        h = self.dropout(torch.relu(self.conv(x.transpose(1, 2)))).transpose(1, 2)
        if self.packed:
            packed = torch.nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
            _, last = self.gru(packed)  # [layers, B, H]: each sequence's last valid state
            last = last[-1]
        else:
            out, _ = self.gru(h)  # [B, T, H]; step t sees only steps <= t
            last = out[torch.arange(out.shape[0]), lengths - 1]
        return self.output(torch.relu(self.head(last)))


def ccc(x, y):
    mx, my = x.mean(0), y.mean(0)
    vx, vy = ((x - mx) ** 2).mean(0), ((y - my) ** 2).mean(0)
    cov = ((x - mx) * (y - my)).mean(0)
    return 2 * cov / (vx + vy + (mx - my) ** 2)


def standardised(items, mean, std):
    """Each utterance's frames standardised once, as tensors, with its label."""
    return [((torch.from_numpy(f) - mean) / std, torch.from_numpy(l)) for f, l in items]


def batch(items):
    lengths = torch.tensor([len(f) for f, _ in items])
    x = torch.nn.utils.rnn.pad_sequence([f for f, _ in items], batch_first=True)
    y = torch.stack([l for _, l in items])
    return x, lengths, y


def epoch_batches(n, lengths, rng, size=64, per_bucket=16):
    order = rng.permutation(n)
    batches = []
    for start in range(0, n, size * per_bucket):
        chunk = sorted(order[start:start + size * per_bucket], key=lambda i: lengths[i])
        batches += [chunk[s:s + size] for s in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def evaluate(model, items):
    model.eval()
    preds, ys = [], []
    with torch.no_grad():
        for s in range(0, len(items), 256):
            x, lengths, y = batch(items[s:s + 256])
            preds.append(model(x, lengths))
            ys.append(y)
    model.train()
    return float(ccc(torch.cat(preds), torch.cat(ys)).mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--packed", action="store_true", help="pack_padded_sequence, as the earlier peer")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, dev, test = load(args.dataset)
    frames = np.concatenate([f for f, _ in train])
    mean = torch.from_numpy(frames.mean(0))
    std = torch.from_numpy(np.where(frames.std(0) > 1e-8, frames.std(0), 1).astype(np.float32))
    model = TCGRU(frames.shape[1], train[0][1].shape[0])
    model.packed = args.packed
    train, dev, test = (standardised(items, mean, std) for items in (train, dev, test))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    lengths = [len(f) for f, _ in train]
    train_seconds, dev_ccc, best, best_state = 0.0, [], -1e9, None
    for _ in range(args.epochs):
        start = time.perf_counter()
        for indices in epoch_batches(len(train), lengths, rng):
            x, l, y = batch([train[i] for i in indices])
            loss = (1 - ccc(model(x, l), y)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        train_seconds += time.perf_counter() - start
        dev_ccc.append(evaluate(model, dev))
        if dev_ccc[-1] > best:
            best = dev_ccc[-1]
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    print(json.dumps({
        "utterances_per_second": len(train) * args.epochs / train_seconds,
        "dev_ccc": dev_ccc,
        "test_ccc": evaluate(model, test),
        "params": sum(p.numel() for p in model.parameters()),
    }))


if __name__ == "__main__":
    main()
