"""Independent references for the label-variance losses (docs/label-variance.md), with torch autograd.

Reads one JSON request file (argv[1]) and prints JSON: for each case the loss value and its gradient with
respect to the raw predictions. Written from the formulas, not from the Swift code:
  weighted: 1 - weighted CCC (weights normalised), on one column
  nll:      mean over utterances of the mean over each utterance's non-NaN ratings of the Gaussian NLL
            (torch.nn.functional.gaussian_nll_loss, full=True), variance = floor + softplus(z)
  distribution: mean over utterances of -sum_k q_k log_softmax(z)_k, q the histogram of the non-NaN ratings
            on the nearest of the given bin centres
Exit status 3 when torch is missing.
"""
import json
import sys

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(3)

torch.set_default_dtype(torch.float64)
request = json.load(open(sys.argv[1]))
out = {}

w = request["weighted"]
x = torch.tensor(w["x"], requires_grad=True)
y = torch.tensor(w["y"])
p = torch.tensor(w["w"]) / torch.tensor(w["w"]).sum()
mx, my = (p * x).sum(), (p * y).sum()
vx, vy = (p * (x - mx) ** 2).sum(), (p * (y - my) ** 2).sum()
cxy = (p * (x - mx) * (y - my)).sum()
loss = 1 - 2 * cxy / (vx + vy + (mx - my) ** 2)
loss.backward()
out["weighted"] = {"value": loss.item(), "gradient": x.grad.tolist()}

n = request["nll"]
mu = torch.tensor(n["mu"], requires_grad=True)
z = torch.tensor(n["z"], requires_grad=True)
ratings = np.array(n["ratings"], dtype=float)  # [rows, raters], NaN = not rated
variance = n["floor"] + torch.nn.functional.softplus(z)
per_utterance = []
for u in range(ratings.shape[0]):
    r = ratings[u][~np.isnan(ratings[u])]
    target = torch.tensor(r)
    nll = torch.nn.functional.gaussian_nll_loss(
        mu[u].expand(len(r)), target, variance[u].expand(len(r)), full=True, eps=0.0, reduction="mean")
    per_utterance.append(nll)
loss = torch.stack(per_utterance).mean()
loss.backward()
out["nll"] = {"value": loss.item(), "gradient_mu": mu.grad.tolist(), "gradient_z": z.grad.tolist()}

d = request["distribution"]
centres_count = len(d["centres"])
logits = torch.tensor(d["logits"]).reshape(-1, centres_count).requires_grad_(True)  # [rows, K]
centres = np.array(d["centres"])
ratings = np.array(d["ratings"], dtype=float)
q = np.zeros((ratings.shape[0], len(centres)))
for u in range(ratings.shape[0]):
    r = ratings[u][~np.isnan(ratings[u])]
    for v in r:
        q[u, np.argmin(np.abs(centres - v))] += 1
    q[u] /= len(r)
loss = -(torch.tensor(q) * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
loss.backward()
probabilities = torch.softmax(logits, dim=1).detach().numpy()
mean = probabilities @ centres
sd = np.sqrt((probabilities * (centres[None, :] - mean[:, None]) ** 2).sum(axis=1))
out["distribution"] = {
    "value": loss.item(), "gradient": logits.grad.flatten().tolist(), "mean": mean.tolist(), "sd": sd.tolist()}
print(json.dumps(out))
