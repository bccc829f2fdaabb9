"""Nogueira, Sechidis & Brown (JMLR 2018) stability, its variance and 95 % interval, transcribed from the
formulas of their reference package (github.com/nogueirs/JMLR2018, python/stability: getVarianceofStability
and confidenceIntervals), with numpy and scipy.

usage: stability.py FILE; FILE is a JSON list of binary matrices (lists of M rows of d 0/1 values).
Prints {"results": [{"stability", "variance", "lower", "upper"}, ...]}. Exit status 3 when a package is missing.
"""
import json
import math
import sys

try:
    import numpy as np
    from scipy.stats import norm
except ImportError as error:  # pragma: no cover
    print(error, file=sys.stderr)
    sys.exit(3)


def variance_of_stability(Z):
    M, d = Z.shape
    hatPF = np.mean(Z, axis=0)
    kbar = np.sum(hatPF)
    k = np.sum(Z, axis=1)
    denom = (kbar / d) * (1 - kbar / d)
    stab = 1 - (M / (M - 1)) * np.mean(np.multiply(hatPF, 1 - hatPF)) / denom
    phi = np.zeros(M)
    for i in range(M):
        phi[i] = (1 / denom) * (
            np.mean(np.multiply(Z[i,], hatPF))
            - (k[i] * kbar) / d**2
            + (stab / 2) * ((2 * k[i] * kbar) / d**2 - k[i] / d - kbar / d + 1)
        )
    phiAv = np.mean(phi)
    variance = (4 / M**2) * np.sum(np.power(phi - phiAv, 2))
    return stab, variance


def main():
    with open(sys.argv[1]) as f:
        matrices = json.load(f)
    out = []
    for matrix in matrices:
        Z = np.asarray(matrix, dtype=float)
        stab, variance = variance_of_stability(Z)
        z = norm.ppf(1 - 0.05 / 2)
        out.append(
            {
                "stability": float(stab),
                "variance": float(variance),
                "lower": float(stab - z * math.sqrt(variance)),
                "upper": float(stab + z * math.sqrt(variance)),
            }
        )
    print(json.dumps({"results": out}))


if __name__ == "__main__":
    main()
