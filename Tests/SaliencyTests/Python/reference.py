"""Independent references for the Saliency tests: numpy / scikit-learn on the same float64 data.

usage: reference.py MODE DIR N D T [options]; reads DIR/x.f64 (N x D) and DIR/y.f64 (N x T), prints JSON.
Exit status 3 when a package is missing.
"""
import json
import sys

try:
    import numpy as np
except ImportError as error:  # pragma: no cover
    print(error, file=sys.stderr)
    sys.exit(3)


def load(directory, n, d, t):
    x = np.fromfile(f"{directory}/x.f64", dtype="<f8").reshape(n, d)
    y = np.fromfile(f"{directory}/y.f64", dtype="<f8").reshape(n, t)
    return x, y


def pearson(x, y):
    """Vectorised Pearson r, T x D."""
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    num = yc.T @ xc
    den = np.sqrt(np.outer((yc * yc).sum(axis=0), (xc * xc).sum(axis=0)))
    return (num / den).tolist()


def pca(x):
    from sklearn.decomposition import PCA

    model = PCA(svd_solver="full").fit(x)
    return {
        "explained_variance": model.explained_variance_.tolist(),
        "explained_variance_ratio": model.explained_variance_ratio_.tolist(),
        "components": model.components_.tolist(),
    }


def histogram_mi(x, y, bins, binary, miller_madow):
    """Plug-in MI of numpy.histogram2d counts on linspace edges from the data's min and max."""
    out = []
    for t in range(y.shape[1]):
        yb = 2 if binary else bins
        row = []
        for d in range(x.shape[1]):
            ex = np.linspace(x[:, d].min(), x[:, d].max(), bins + 1)
            ey = np.linspace(y[:, t].min(), y[:, t].max(), yb + 1)
            counts, _, _ = np.histogram2d(x[:, d], y[:, t], bins=[ex, ey])
            n = counts.sum()
            p = counts / n
            px = p.sum(axis=1, keepdims=True)
            py = p.sum(axis=0, keepdims=True)
            nz = p > 0
            mi = float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum())
            if miller_madow:
                mi += ((px > 0).sum() + (py > 0).sum() - nz.sum() - 1) / (2 * n)
            row.append(max(0.0, mi))
        out.append(row)
    return out


def ksg(x, y, seeds):
    from sklearn.feature_selection import mutual_info_regression

    return {
        str(seed): [mutual_info_regression(x, y[:, t], random_state=seed).tolist() for t in range(y.shape[1])]
        for seed in seeds
    }


def main():
    mode, directory = sys.argv[1], sys.argv[2]
    n, d, t = (int(v) for v in sys.argv[3:6])
    options = sys.argv[6:]
    x, y = load(directory, n, d, t)
    try:
        if mode == "pearson":
            result = {"r": pearson(x, y)}
        elif mode == "pca":
            result = pca(x)
        elif mode == "hist":
            bins = int(options[0])
            result = {"mi": histogram_mi(x, y, bins, options[1] == "binary", options[2] == "mm")}
        elif mode == "ksg":
            result = ksg(x, y, [int(s) for s in options])
        else:
            raise SystemExit(f"unknown mode {mode}")
    except ImportError as error:
        print(error, file=sys.stderr)
        sys.exit(3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
