"""Writes Tests/LearningTests/Fixtures/online.json: scikit-learn's online logistic regression
(StandardScaler.partial_fit, then SGDClassifier(loss="log_loss", shuffle=False).partial_fit
on the scaled batch) fed the same batches of uneven size, under each learning-rate schedule,
with and without the running scaler; and statsmodels OLS on the promotion-like data for the
collider's regressions after every batch (the exact online OLS must equal it).
"""
import json
import pathlib

import numpy as np
import statsmodels.api as sm
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/LearningTests/Fixtures/online.json"

# Batches of uneven size, a single row among them, 600 rows in all.
SIZES = [10, 1, 37, 10, 120, 2, 60, 10, 150, 200]

CASES = [
    {"learning_rate": "invscaling", "eta0": 0.1, "power_t": 0.5, "alpha": 1e-4, "running_scale": True},
    {"learning_rate": "constant", "eta0": 0.01, "power_t": 0.5, "alpha": 1e-3, "running_scale": False},
    {"learning_rate": "optimal", "eta0": 0.1, "power_t": 0.5, "alpha": 1e-3, "running_scale": True},
    {"learning_rate": "invscaling", "eta0": 0.5, "power_t": 0.25, "alpha": 0.0, "running_scale": True},
]


def main():
    rng = np.random.default_rng(2026)
    n = sum(SIZES)
    network = rng.normal(50, 10, n)
    competence = rng.normal(50, 10, n)
    score = 0.08 * (network - 50) + 0.12 * (competence - 50) + rng.logistic(size=n)
    promoted = (score > 0.5).astype(float)
    X = np.column_stack([network, competence])
    bounds = np.cumsum([0] + SIZES)
    cases = []
    for case in CASES:
        scaler = StandardScaler()
        sgd = SGDClassifier(
            loss="log_loss", penalty="l2", alpha=case["alpha"], learning_rate=case["learning_rate"],
            eta0=case["eta0"], power_t=case["power_t"], shuffle=False, fit_intercept=True)
        steps = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            batch = X[a:b]
            if case["running_scale"]:
                scaler.partial_fit(batch)
                batch = scaler.transform(batch)
            if a == 0:
                sgd.partial_fit(batch, promoted[a:b], classes=[0.0, 1.0])
            else:
                sgd.partial_fit(batch, promoted[a:b])
            probe = scaler.transform(X) if case["running_scale"] else X
            weights, intercept = sgd.coef_.ravel(), float(sgd.intercept_[0])
            if case["running_scale"]:
                # On the features' own scale: w / s, b - sum(w * m / s).
                raw_weights = weights / scaler.scale_
                raw_intercept = intercept - float(np.sum(weights * scaler.mean_ / scaler.scale_))
            else:
                raw_weights, raw_intercept = weights, intercept
            steps.append({
                "rows": int(b),
                "raw_weights": [float(v) for v in raw_weights],
                "raw_intercept": raw_intercept,
                "weights": [float(v) for v in sgd.coef_.ravel()],
                "intercept": float(sgd.intercept_[0]),
            })
        steps[-1]["probabilities"] = [float(v) for v in sgd.predict_proba(probe)[:, 1]]
        cases.append({**case, "steps": steps})
    # The collider: network_ability on competence, alone and with promoted, after each batch.
    regressions = []
    for terms in (["competence"], ["competence", "promoted"]):
        design = np.column_stack([competence] + ([promoted] if "promoted" in terms else []))
        fits = []
        for b in bounds[1:]:
            if b <= len(terms) + 1:
                continue
            fit = sm.OLS(network[:b], sm.add_constant(design[:b], has_constant="add")).fit()
            fits.append({"rows": int(b), "params": fit.params.tolist(), "bse": fit.bse.tolist(),
                         "p": fit.pvalues.tolist(), "ci_low": fit.conf_int()[:, 0].tolist(),
                         "ci_high": fit.conf_int()[:, 1].tolist()})
        regressions.append({"terms": terms, "fits": fits})
    OUT.write_text(json.dumps({
        "sizes": SIZES, "features": ["network_ability", "competence"],
        "rows": X.tolist(), "promoted": promoted.tolist(), "cases": cases, "regressions": regressions,
    }, indent=1))


if __name__ == "__main__":
    main()
