"""Writes Tests/APITests/Fixtures/drift.json: training rows and served rows in which one
numeric feature has shifted by one standard deviation, and the reference drift figures:
PSI over the training deciles (numpy's linear quantiles; bins (e[i-1], e[i]]; empty bins
floored at 0.0001 as Evidently does) and scipy's two-sample KS statistic; for the
categorical feature, PSI over its training levels.
"""
import json
import pathlib

import numpy as np
from scipy.stats import ks_2samp

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/APITests/Fixtures/drift.json"


def psi(expected, actual):
    e = np.maximum(np.asarray(expected, float) / np.sum(expected), 0.0001)
    a = np.maximum(np.asarray(actual, float) / np.sum(actual), 0.0001)
    return float(np.sum((a - e) * np.log(a / e)))


def binned(values, edges):
    return np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)


def main():
    rng = np.random.default_rng(19)
    n, m = 800, 600
    train = {"x": np.round(rng.normal(10, 2, n), 3), "z": np.round(rng.normal(0, 1, n), 3),
             "c": rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])}
    target = np.round(0.5 * train["x"] - train["z"] + (train["c"] == "b") + rng.normal(0, 0.5, n), 3)
    served = {"x": np.round(rng.normal(12, 2, m), 3), "z": np.round(rng.normal(0, 1, m), 3),
              "c": rng.choice(["a", "b", "c", "d"], size=m, p=[0.49, 0.3, 0.2, 0.01])}
    expected = {}
    for name in ["x", "z"]:
        edges = np.quantile(train[name], np.arange(1, 10) / 10)
        expected[name] = {"psi": psi(binned(train[name], edges), binned(served[name], edges)),
                          "ks": float(ks_2samp(train[name], served[name]).statistic)}
    levels = ["a", "b", "c"]
    counts = lambda column: [int(np.sum(column == level)) for level in levels] + [
        int(np.sum(~np.isin(column, levels)))]
    expected["c"] = {"psi": psi(counts(train["c"]), counts(served["c"])),
                     "unknown_rate": float(np.mean(~np.isin(served["c"], levels)))}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "training": [{"x": float(a), "z": float(b), "c": str(c), "t": float(t)}
                     for a, b, c, t in zip(train["x"], train["z"], train["c"], target)],
        "served": [{"x": float(a), "z": float(b), "c": str(c)} for a, b, c in zip(served["x"], served["z"], served["c"])],
        "expected": expected,
    }, indent=1))


if __name__ == "__main__":
    main()
