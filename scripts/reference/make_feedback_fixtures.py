"""Writes Tests/APITests/Fixtures/feedback.json: two models with fixed coefficients (a
logistic and a linear one, as modelserve artifacts), 1,000 feature rows, the outcomes that
arrive later as feedback, and scikit-learn's metrics of the models' predictions against
those outcomes, with calibration_curve's bins, so live monitoring can be checked against
them.
"""
import json
import pathlib

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss, mean_absolute_error,
                             mean_absolute_percentage_error, mean_squared_error, median_absolute_error,
                             precision_score, r2_score, recall_score, roc_auc_score)

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/APITests/Fixtures/feedback.json"


def artifact(kind, coefficients, intercept, hyperparameters):
    names = list(coefficients)
    return json.dumps({
        "format": "modelserve.model", "schema_version": 2, "kind": kind,
        "features": {"numeric": names, "categorical": []}, "feature_names": names,
        "preprocessing": {"numeric": [{"name": n, "center": 0, "scale": 1} for n in names], "categorical": [],
                          "missing": "error", "standardize": False},
        "estimator": {"coefficients": coefficients, "intercept": intercept},
        "hyperparameters": hyperparameters,
        "training": {"rows": 1000, "iterations": 1, "converged": True, "solver": "reference"},
    }, sort_keys=True)


def main():
    rng = np.random.default_rng(16)
    n = 1000
    X = np.round(rng.normal(size=(n, 2)), 2)
    logit = {"a": 1.1371, "b": -0.6829}
    eta = -0.4 + X @ np.array(list(logit.values()))
    p = 1 / (1 + np.exp(-eta))
    y = (rng.random(n) < p).astype(float)
    linear = {"a": 0.5, "b": -1.5}
    prediction = 2.0 + X @ np.array(list(linear.values()))
    outcome = np.round(prediction + rng.normal(scale=0.8, size=n), 3)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "rows": X.tolist(),
        "logistic": {
            "artifact": artifact("logistic", logit, -0.4, {"penalty": "none"}),
            "actual": y.tolist(),
            "metrics": {"accuracy": accuracy_score(y, p > 0.5), "precision": precision_score(y, p > 0.5),
                        "recall": recall_score(y, p > 0.5), "f1": f1_score(y, p > 0.5),
                        "roc_auc": roc_auc_score(y, p), "log_loss": log_loss(y, p), "brier": brier_score_loss(y, p)},
            "calibration": {"observed_rate": prob_true.tolist(), "mean_predicted": prob_pred.tolist(),
                            "rows": counts.tolist()},
        },
        "linear": {
            "artifact": artifact("linear", linear, 2.0, {"method": "ols"}),
            "actual": outcome.tolist(),
            "metrics": {"rmse": float(np.sqrt(mean_squared_error(outcome, prediction))),
                        "mae": mean_absolute_error(outcome, prediction), "r2": r2_score(outcome, prediction),
                        "mape": mean_absolute_percentage_error(outcome, prediction),
                        "median_absolute_error": median_absolute_error(outcome, prediction)},
        },
    }, indent=1))


if __name__ == "__main__":
    main()
