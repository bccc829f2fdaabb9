"""scikit-learn reference of the learned binary fusion: LogisticRegression without penalty (lbfgs, tight
tolerance) on the members' probabilities with an intercept. Usage: logistic_reference.py REQUEST.json with
{"rows": [[p_1, ..., p_M], ...], "y": [0/1, ...]}; prints {"weights": [...], "bias": b}."""
import json
import sys

try:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
except ImportError:
    sys.exit(3)

request = json.load(open(sys.argv[1]))
model = LogisticRegression(penalty=None, tol=1e-12, max_iter=10000).fit(np.array(request["rows"]), np.array(request["y"]))
print(json.dumps({"weights": model.coef_[0].tolist(), "bias": float(model.intercept_[0])}))
