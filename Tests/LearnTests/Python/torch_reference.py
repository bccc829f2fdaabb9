"""Reference computations for LearnTests, with PyTorch / numpy / scikit-learn.

Usage: python torch_reference.py request.json response.json
The request holds named sub-requests ({"requests": {key: {...}}}), each with a "mode"; every array is a flat list (row-major).
"""
import json
import sys

import numpy as np


def gru_or_conv(req):
    import torch

    torch.set_default_dtype(torch.float64)
    width = req["width"]
    if req["mode"] == "gru":
        module = torch.nn.GRU(width, req["hidden"], num_layers=req["layers"])
    else:
        module = torch.nn.Conv1d(width, req["out"], req["kernel"], padding=req["kernel"] // 2)
    params = dict(module.named_parameters())
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.tensor(req["params"][name]).reshape(p.shape))
    outputs, input_grads = [], []
    for seq, w in zip(req["sequences"], req["weights"]):
        x = torch.tensor(seq).reshape(-1, width).requires_grad_(True)
        if req["mode"] == "gru":
            y, _ = module(x.unsqueeze(1))  # [T, 1, H]
            y = y.squeeze(1)
        else:
            y = module(x.t().unsqueeze(0)).squeeze(0).t()  # [T, out]
        (y * torch.tensor(w).reshape(y.shape)).sum().backward()
        outputs.append(y.detach().reshape(-1).tolist())
        input_grads.append(x.grad.reshape(-1).tolist())
    return {
        "outputs": outputs,
        "input_grads": input_grads,
        "param_grads": {n: p.grad.reshape(-1).tolist() for n, p in params.items()},
    }


def tcgru(req):
    import torch

    torch.set_default_dtype(torch.float64)
    c = req["config"]

    class TCGRU(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv1d(c["inputWidth"], c["frontWidth"], c["convKernel"], padding=c["convKernel"] // 2)
            self.gru = torch.nn.GRU(c["frontWidth"], c["gruHidden"], num_layers=c["gruLayers"])
            self.head = torch.nn.Linear(c["gruHidden"], c["headHidden"])
            self.output = torch.nn.Linear(c["headHidden"], c["outputCount"])

        def forward(self, x):  # x: [T, D], one utterance
            h = torch.relu(self.conv(x.t().unsqueeze(0))).squeeze(0).t()
            states, _ = self.gru(h.unsqueeze(1))
            return self.output(torch.relu(self.head(states[-1, 0])))

    model = TCGRU().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(req["params"][name]).reshape(p.shape))
    mean = torch.tensor(req["mean"])
    std = torch.tensor(req["std"])
    outputs, input_grads = [], []
    for seq in req["sequences"]:
        x = torch.tensor(seq).reshape(-1, c["inputWidth"]).requires_grad_(True)
        y = model((x - mean) / std)
        y[0].backward()
        outputs.append(y.detach().tolist())
        input_grads.append(x.grad.reshape(-1).tolist())
    return {"outputs": outputs, "input_grads": input_grads}


def layer_mix(req):
    """A TC-GRU or GRU-FF behind SUPERB's softmax-weighted sum of layers (s3prl Featurizer, weighted sum):
    standardise the L*D frame per column, mix the L layers, decode. Gradients of sum(coefficients * outputs)."""
    import torch

    torch.set_default_dtype(torch.float64)
    c = req["config"]
    layers = c["layers"]
    width = c["inputWidth"] // layers

    class Mix(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = torch.nn.Parameter(torch.zeros(layers))

        def forward(self, x):  # x: [T, L*D] -> [T, D]
            p = torch.softmax(self.weights, dim=0)
            return (p.view(1, layers, 1) * x.reshape(-1, layers, width)).sum(dim=1)

    class Mixed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_mix = Mix()
            if c["kind"] == "tc-gru":
                self.conv = torch.nn.Conv1d(width, c["frontWidth"], c["convKernel"], padding=c["convKernel"] // 2)
            else:
                self.projection = torch.nn.Linear(width, c["frontWidth"], bias=False)
            self.gru = torch.nn.GRU(c["frontWidth"], c["gruHidden"], num_layers=c["gruLayers"])
            self.head = torch.nn.Linear(c["gruHidden"], c["headHidden"])
            self.output = torch.nn.Linear(c["headHidden"], c["outputCount"])

        def forward(self, x):  # x: [T, L*D], one utterance, already standardised
            m = self.layer_mix(x)
            if c["kind"] == "tc-gru":
                h = torch.relu(self.conv(m.t().unsqueeze(0))).squeeze(0).t()
            else:
                h = self.projection(m)
            states, _ = self.gru(h.unsqueeze(1))
            return self.output(torch.relu(self.head(states[-1, 0])))

    model = Mixed().eval()
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.tensor(req["params"][name]).reshape(p.shape))
    mean = torch.tensor(req["mean"])
    std = torch.tensor(req["std"])
    outputs, input_grads, xs = [], [], []
    loss = 0
    for seq, coefficients in zip(req["sequences"], req["coefficients"]):
        x = torch.tensor(seq).reshape(-1, c["inputWidth"]).requires_grad_(True)
        y = model((x - mean) / std)
        loss = loss + (y * torch.tensor(coefficients)).sum()
        outputs.append(y.detach().tolist())
        xs.append(x)
    loss.backward()
    return {
        "outputs": outputs,
        "input_grads": [x.grad.reshape(-1).tolist() for x in xs],
        "param_grads": {n: p.grad.reshape(-1).tolist() for n, p in params.items()},
        "softmax": torch.softmax(model.layer_mix.weights, dim=0).tolist(),
    }


def adam(req):
    import torch

    p = torch.nn.Parameter(torch.tensor(req["params"], dtype=torch.float32))
    opt = torch.optim.Adam([p], lr=req["lr"])
    history = []
    for g in req["grads"]:
        opt.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
        history.append(p.detach().tolist())
    return {"history": history}


def metrics(req):
    from sklearn.metrics import roc_auc_score

    out = []
    for case in req["cases"]:
        x = np.asarray(case["predictions"], dtype=np.float64)
        y = np.asarray(case["targets"], dtype=np.float64)
        mx, my = x.mean(), y.mean()
        vx, vy = x.var(), y.var()
        cov = ((x - mx) * (y - my)).mean()
        row = {
            "ccc": 2 * cov / (vx + vy + (mx - my) ** 2),
            "pearson": float(np.corrcoef(x, y)[0, 1]),
            "mse": float(((x - y) ** 2).mean()),
        }
        if "labels" in case:
            row["auc"] = float(roc_auc_score(case["labels"], x))
        out.append(row)
    return {"results": out}


MODES = {
    "gru": gru_or_conv,
    "conv": gru_or_conv,
    "tcgru": tcgru,
    "layermix": layer_mix,
    "adam": adam,
    "metrics": metrics,
}


def main():
    req = json.load(open(sys.argv[1]))
    if any(r["mode"] != "metrics" for r in req["requests"].values()):
        try:
            import torch  # noqa: F401  (imported once here: loading torch dominates the run time)
        except ImportError:
            sys.exit(3)
    result = {key: MODES[r["mode"]](r) for key, r in req["requests"].items()}
    json.dump(result, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
