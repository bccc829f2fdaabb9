"""Integrated Gradients of a Salience sequence decoder with Captum, the reference for AttributionTests.

Usage: python captum_reference.py request.json response.json

The request holds "node_counts" (step counts whose Captum alphas and step sizes to return, per method) and
"cases"; each case gives the decoder (its DecoderConfig as JSON, every parameter by its PyTorch name as a flat
row-major list, the input standardisation mean and std), the task ("regression" or "binary": binary outputs
are explained after the sigmoid), the utterances (flat [T, D] lists), the outputs to attribute, n_steps and
the Captum method. The torch model is built here from the layout of the methods doc, independently of the
Swift code: standardise -> Conv1d + ReLU (tc-gru) or bias-free Linear (gru-ff) -> GRU -> last valid step
(or mean) -> Linear + ReLU -> Linear heads. Dropout is the identity in evaluation.
The response holds the nodes and, per case, per utterance, per output, the flat [T, D] attributions and Captum's convergence delta.
Exit status 3 when torch or captum cannot be imported.
"""
import json
import sys


def build_model(torch, request):
    c = request["config"]
    dtype = torch.float64

    class Decoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if c["kind"] == "tc-gru":
                self.conv = torch.nn.Conv1d(c["inputWidth"], c["frontWidth"], c["convKernel"], padding=c["convKernel"] // 2)
            else:
                self.projection = torch.nn.Linear(c["inputWidth"], c["frontWidth"], bias=False)
            self.gru = torch.nn.GRU(c["frontWidth"], c["gruHidden"], num_layers=c["gruLayers"])
            self.head = torch.nn.Linear(c["gruHidden"], c["headHidden"])
            self.output = torch.nn.Linear(c["headHidden"], c["outputCount"])
            self.register_buffer("mean", torch.tensor(request["mean"], dtype=dtype))
            self.register_buffer("std", torch.tensor(request["std"], dtype=dtype))

        def forward(self, x):  # x: [N, T, D], N copies of one utterance (all of the same length)
            x = (x - self.mean) / self.std
            if c["kind"] == "tc-gru":
                h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
            else:
                h = self.projection(x)
            states, _ = self.gru(h.transpose(0, 1))  # [T, N, H]
            pooled = states[-1] if c["pooling"] == "last" else states.mean(dim=0)
            y = self.output(torch.relu(self.head(pooled)))
            return torch.sigmoid(y) if request["task"] == "binary" else y

    model = Decoder().to(dtype).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(request["params"][name], dtype=dtype).reshape(p.shape))
    return model


def attribute_case(torch, IntegratedGradients, case):
    model = build_model(torch, case)
    ig = IntegratedGradients(model)  # multiply_by_inputs=True by default
    width = case["config"]["inputWidth"]
    result = {"attributions": [], "delta": [], "outputs": []}
    for sequence in case["sequences"]:
        x = torch.tensor(sequence, dtype=torch.float64).reshape(1, -1, width)
        per_output, deltas = [], []
        for j in case["outputs"]:
            a, delta = ig.attribute(
                x, baselines=0, target=j, n_steps=case["n_steps"], method=case["method"],
                return_convergence_delta=True)
            per_output.append(a.reshape(-1).tolist())
            deltas.append(float(delta[0]))
        result["attributions"].append(per_output)
        result["delta"].append(deltas)
        with torch.no_grad():
            result["outputs"].append(model(x)[0].tolist())
    return result


def main():
    request = json.load(open(sys.argv[1]))
    try:
        import torch
        from captum.attr import IntegratedGradients
        from captum.attr._utils.approximation_methods import approximation_parameters
    except ImportError as error:
        print(f"missing reference package: {error}", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(2)
    nodes = {}
    for method in ("riemann_right", "gausslegendre"):
        step_sizes, alphas = approximation_parameters(method)
        nodes[method] = {str(n): [alphas(n), step_sizes(n)] for n in request.get("node_counts", [])}
    result = {
        "nodes": nodes,
        "cases": [attribute_case(torch, IntegratedGradients, case) for case in request.get("cases", [])],
    }
    json.dump(result, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
