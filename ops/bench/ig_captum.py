"""Captum's side of ops/bench/ig: Integrated Gradients of a Salience checkpoint with Captum on CPU.

Usage: python ig_captum.py MODEL.h5 DATASET_DIR N STEPS METHOD THREADS RESULT.json [BATCH]

Rebuilds the decoder in PyTorch (float32, as Salience computes) from the checkpoint with the same builder
the tests use (Tests/AttributionTests/Python/captum_reference.py), reads the first N train utterances of
the dataset's clean shards in Salience's order (shard files by name, utterances in file order), and times
`IntegratedGradients.attribute` per target output (baselines=0, n_steps=STEPS) on up to BATCH consecutive
utterances of equal length at a time (default 1: one utterance per call, as Captum's tutorials do; a user
with fixed-length windows, like the 50-frame speech bench, stacks them, and Captum then runs BATCH x STEPS
rows per pass). Writes the time and the per-dimension mean |c| (c = attribution summed over frames,
averaged over outputs).
"""
import json
import os
import sys
import time

import h5py
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "Tests", "AttributionTests", "Python"))
from captum_reference import build_model  # noqa: E402


def read_checkpoint(path):
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["config"])
        targets = [t.decode() if isinstance(t, bytes) else str(t) for t in np.atleast_1d(f.attrs["targets"])]
        request = {
            "config": config,
            "params": {name: f["weights"][name][...].reshape(-1).tolist() for name in f["weights"]},
            "mean": f["normalization/mean"][...].tolist(),
            "std": f["normalization/std"][...].tolist(),
            "task": f.attrs["task"] if isinstance(f.attrs["task"], str) else f.attrs["task"].decode(),
        }
        selection = f["selection"][...].astype(np.int64)
    return request, selection, len(targets)


def read_utterances(directory, selection, count):
    utterances = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".h5") or name.startswith("."):
            continue
        with h5py.File(os.path.join(directory, name), "r") as f:
            condition = f.attrs.get("condition", "clean")
            condition = condition.decode() if isinstance(condition, bytes) else condition
            if condition != "clean":
                continue
            offsets = f["offsets"][...]
            split = f["split"][...]
            embeddings = f["embeddings"]
            for i in np.flatnonzero(split == 0):
                if len(utterances) == count:
                    return utterances
                frames = embeddings[offsets[i]:offsets[i + 1]][:, selection]
                utterances.append(np.ascontiguousarray(frames, dtype=np.float32))
    return utterances


def main():
    model_path, directory, count, steps, method, threads, result_path = sys.argv[1:8]
    batch = int(sys.argv[8]) if len(sys.argv) > 8 else 1
    import torch
    from captum.attr import IntegratedGradients

    torch.set_num_threads(int(threads))
    request, selection, target_count = read_checkpoint(model_path)
    model = build_model(torch, request).float()
    ig = IntegratedGradients(model)
    utterances = read_utterances(directory, selection, int(count))
    sums = np.zeros(len(selection))
    groups = []
    for x in utterances:
        if groups and len(groups[-1]) < batch and groups[-1][0].shape == x.shape:
            groups[-1].append(x)
        else:
            groups.append([x])
    stacked = [torch.from_numpy(np.stack(group)) for group in groups]
    start = time.perf_counter()
    for inputs in stacked:
        for j in range(target_count):
            a = ig.attribute(inputs, baselines=0, target=j, n_steps=int(steps), method=method)
            sums += np.abs(a.sum(dim=1).detach().numpy()).sum(axis=0)
    seconds = time.perf_counter() - start
    json.dump(
        {"utterances": len(utterances), "seconds": seconds, "ig": (sums / len(utterances) / target_count).tolist()},
        open(result_path, "w"))


if __name__ == "__main__":
    main()
