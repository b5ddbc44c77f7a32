"""Writes Tests/RegistryTests/Fixtures/profile.json: a table with nulls, ties, unicode text,
extreme doubles and duplicate rows, and the figures `modelserve profile` must equal, from
pandas (describe, quantile, nunique, value_counts, duplicated().sum(), corr pearson and
spearman with pairwise-complete rows), numpy (histogram with 20 bins) and scipy (Cramér's V
without continuity correction); the correlation ratio eta by its definition in numpy.
"""
import json
import math
import pathlib

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/RegistryTests/Fixtures/profile.json"
QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def nullable(values, rng, share):
    return [None if rng.random() < share else v for v in values]


def clean(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def eta(groups, values):
    groups, values = np.asarray(groups), np.asarray(values, float)
    mean = values.mean()
    between = sum(len(values[groups == g]) * (values[groups == g].mean() - mean) ** 2 for g in np.unique(groups))
    return float(math.sqrt(between / ((values - mean) ** 2).sum()))


def main():
    rng = np.random.default_rng(20261201)
    n = 600
    a = np.round(rng.normal(5, 2, n), 1)                      # ties from rounding
    count = rng.integers(0, 10, n)
    level = rng.choice(["naïve", "日本語", "emoji 🎉", "plain", "Straße"], size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    side = np.where(rng.random(n) < 0.7, np.where(np.isin(level, ["naïve", "plain"]), "left", "right"),
                    rng.choice(["left", "right"], size=n))
    wide = rng.normal(0, 1, n) * 10.0 ** rng.integers(-300, 150, n)   # extreme magnitudes, both signs
    wide[0], wide[1], wide[2] = 1e150, -1e150, 5e-324
    target = np.round(3 * a - 0.5 * count + np.where(level == "plain", 4, 0) + rng.normal(0, 1, n), 3)
    columns = {
        "a": nullable([float(v) for v in a], rng, 0.08),
        "count": [int(v) for v in count],
        "level": nullable([str(v) for v in level], rng, 0.05),
        "side": [str(v) for v in side],
        "wide": [float(v) for v in wide],
        "target": [float(v) for v in target],
    }
    rows = [[columns[c][i] for c in columns] for i in range(n)]
    rows += [list(rows[i]) for i in (3, 17, 17, 250)]          # 4 exact duplicates (one row twice)
    types = {"a": "real", "count": "integer", "level": "text", "side": "text", "wide": "real", "target": "real"}
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["a"] = frame["a"].astype(float)
    numeric = ["a", "count", "wide", "target"]
    text = ["level", "side"]
    expected = {"rows": len(frame), "duplicate_rows": int(frame.duplicated().sum()), "columns": {}}
    for name in columns:
        s = frame[name]
        entry = {"count": int(s.count()), "nulls": int(s.isna().sum()), "distinct": int(s.nunique())}
        if name in numeric:
            d = s.describe()
            present = s.dropna().to_numpy(float)
            hist_counts, hist_edges = np.histogram(present, bins=20)
            entry.update({"mean": float(d["mean"]), "std": float(d["std"]), "min": float(d["min"]),
                          "max": float(d["max"]),
                          "quantiles": {str(q): float(s.quantile(q)) for q in QUANTILES},
                          "histogram": {"edges": [float(e) for e in hist_edges],
                                        "counts": [int(c) for c in hist_counts]}})
        else:
            entry["levels"] = {str(k): int(v) for k, v in s.value_counts().items()}
        expected["columns"][name] = entry
    expected["pearson"] = {a_: {b_: clean(float(v)) for b_, v in row.items()}
                           for a_, row in frame[numeric].corr(method="pearson").to_dict().items()}
    expected["spearman"] = {a_: {b_: clean(float(v)) for b_, v in row.items()}
                            for a_, row in frame[numeric].corr(method="spearman").to_dict().items()}
    both = frame[text].dropna()
    table = pd.crosstab(both["level"], both["side"]).to_numpy()
    expected["cramers_v"] = float(association(table, method="cramer", correction=False))
    assoc = {}
    for name in ["a", "count", "wide"]:
        assoc[name] = {"pearson": float(frame[name].corr(frame["target"])),
                       "spearman": float(frame[name].corr(frame["target"], method="spearman"))}
    for name in text:
        present = frame[[name, "target"]].dropna()
        assoc[name] = {"eta": eta(present[name], present["target"])}
    expected["target_associations"] = assoc
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"types": types, "columns": list(columns), "rows": rows, "expected": expected},
                              indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
