"""Reference values for the Learning tests, from scikit-learn and statsmodels.

Creates seeded data sets (well-conditioned, nearly separable, imbalanced, categorical,
wide; the collinear case needs no reference: it must be refused, and the Swift tests build
it), fits the reference implementations at tight tolerances, and writes one
JSON file per data set into Tests/LearningTests/Fixtures. The Swift tests read them and
compare. Run through scripts/regenerate-fixtures.sh (which makes the venv).
"""
import json
import pathlib
import warnings

import numpy as np
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn import linear_model, metrics

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "LearningTests" / "Fixtures"
warnings.filterwarnings("ignore")


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def logistic_reference(X, y, penalty, C=1.0, class_weight=None, l1_ratio=None):
    if penalty in ("l1", "elasticnet"):
        model = linear_model.LogisticRegression(
            penalty=penalty, C=C, solver="saga", tol=1e-13, max_iter=2_000_000, l1_ratio=l1_ratio, random_state=0,
            class_weight=class_weight)
    else:
        model = linear_model.LogisticRegression(
            penalty=penalty, C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000, class_weight=class_weight)
    model.fit(X, y)
    return {
        "penalty": penalty or "none", "C": C, "class_weight": class_weight or "none", "l1_ratio": l1_ratio,
        "coefficients": floats(model.coef_), "intercept": float(model.intercept_[0]),
        "probabilities": floats(model.predict_proba(X)[:, 1]),
    }


def logit_inference(X, y):
    result = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
    ci = result.conf_int(0.05)
    return {
        "params": floats(result.params), "bse": floats(result.bse), "z": floats(result.tvalues),
        "p": floats(result.pvalues), "ci_low": floats(ci[:, 0]), "ci_high": floats(ci[:, 1]),
        "llf": float(result.llf), "llnull": float(result.llnull), "llr_pvalue": float(result.llr_pvalue),
        "prsquared": float(result.prsquared),
    }


def ols_inference(X, y):
    result = sm.OLS(y, sm.add_constant(X)).fit()
    hc3 = result.get_robustcov_results("HC3")
    ci = result.conf_int(0.05)
    return {
        "params": floats(result.params), "bse": floats(result.bse), "bse_hc3": floats(hc3.bse),
        "t": floats(result.tvalues), "p": floats(result.pvalues), "ci_low": floats(ci[:, 0]),
        "ci_high": floats(ci[:, 1]), "rsquared": float(result.rsquared), "rsquared_adj": float(result.rsquared_adj),
        "fvalue": float(result.fvalue), "f_pvalue": float(result.f_pvalue), "llf": float(result.llf),
        "aic": float(result.aic), "bic": float(result.bic), "scale": float(result.scale),
        "condition_number": float(result.condition_number), "df_resid": float(result.df_resid),
    }


def penalized_linear(X, y):
    out = []
    for alpha in (0.5, 10.0):
        m = linear_model.Ridge(alpha=alpha, solver="cholesky").fit(X, y)
        out.append({"model": "ridge", "alpha": alpha, "coefficients": floats(m.coef_), "intercept": float(m.intercept_)})
    for alpha in (0.05, 0.3):
        m = linear_model.Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X, y)
        out.append({"model": "lasso", "alpha": alpha, "coefficients": floats(m.coef_), "intercept": float(m.intercept_)})
        m = linear_model.ElasticNet(alpha=alpha, l1_ratio=0.4, tol=1e-14, max_iter=1_000_000).fit(X, y)
        out.append({"model": "elasticnet", "alpha": alpha, "l1_ratio": 0.4, "coefficients": floats(m.coef_),
                    "intercept": float(m.intercept_)})
    return out


def write(name, payload):
    payload["generator"] = {"sklearn": sklearn.__version__, "statsmodels": statsmodels.__version__,
                            "numpy": np.__version__}
    (OUT / f"{name}.json").write_text(json.dumps(payload, indent=1) + "\n")


def dataset(name, X, y_logistic, y_linear, feature_names, *, penalties=(("l2", 1.0), ("l2", 0.1), (None, 1.0)),
            inference=True, extra_logistic=()):
    payload = {"name": name, "features": feature_names, "rows": [floats(r) for r in X],
               "y_logistic": floats(y_logistic), "y_linear": floats(y_linear) if y_linear is not None else None}
    payload["logistic"] = [logistic_reference(X, y_logistic, p, C) for p, C in penalties]
    payload["logistic"] += [logistic_reference(X, y_logistic, **kw) for kw in extra_logistic]
    if inference:
        payload["logit_inference"] = logit_inference(X, y_logistic)
    if y_linear is not None:
        payload["ols"] = ols_inference(X, y_linear)
        payload["penalized_linear"] = penalized_linear(X, y_linear)
    write(name, payload)


def logistic_target(rng, X, beta, intercept):
    p = 1 / (1 + np.exp(-(X @ beta + intercept)))
    return (rng.random(len(p)) < p).astype(float)


def main():
    OUT.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 5)) * [1, 2, 0.5, 3, 1] + [0, 1, -1, 0, 2]
    beta = np.array([0.8, -0.5, 1.2, 0.1, -0.3])
    y_log = logistic_target(rng, X, beta, -0.2)
    y_lin = X @ np.array([1.5, -2.0, 0.7, 0.0, 3.0]) + 4 + rng.normal(scale=1.5, size=500)
    dataset("well_conditioned", X, y_log, y_lin, [f"x{i}" for i in range(1, 6)],
            extra_logistic=({"penalty": "l1", "C": 0.5}, {"penalty": "elasticnet", "C": 0.5, "l1_ratio": 0.3}))

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3))
    y_log = logistic_target(rng, X, np.array([4.0, -3.0, 2.5]), 0.5)
    dataset("nearly_separable", X, y_log, None, ["a", "b", "c"])

    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 4))
    y_log = logistic_target(rng, X, np.array([0.7, -0.4, 0.3, 0.0]), -3.2)
    dataset("imbalanced", X, y_log, X @ np.array([1, 2, 3, 4.0]) + rng.normal(size=2000), ["u", "v", "w", "z"],
            extra_logistic=({"penalty": "l2", "C": 1.0, "class_weight": "balanced"},))

    # Categorical: two numeric and one three-level categorical, written as one-hot with the
    # first level dropped (for OLS and unpenalised logistic).
    rng = np.random.default_rng(4)
    n = 600
    num = rng.normal(size=(n, 2))
    colors = rng.choice(["D", "E", "F"], size=n, p=[0.5, 0.3, 0.2])
    dummies = np.column_stack([(colors == "E").astype(float), (colors == "F").astype(float)])
    X = np.column_stack([num, dummies])
    effect = dummies @ np.array([0.8, -1.1])
    y_log = (rng.random(n) < 1 / (1 + np.exp(-(num @ np.array([1.0, -0.5]) + effect + 0.2)))).astype(float)
    y_lin = num @ np.array([2.0, 1.0]) + effect * 3 + 10 + rng.normal(size=n)
    payload_colors = list(colors)
    dataset("categorical", X, y_log, y_lin, ["n1", "n2", "color=E", "color=F"])
    data = json.loads((OUT / "categorical.json").read_text())
    data["raw"] = {"n1": floats(num[:, 0]), "n2": floats(num[:, 1]), "color": payload_colors}
    (OUT / "categorical.json").write_text(json.dumps(data, indent=1) + "\n")

    # Wide: p close to n; only penalised fits make sense.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 50))
    y_log = logistic_target(rng, X, rng.normal(scale=0.3, size=50), 0.0)
    y_lin = X @ rng.normal(size=50) + rng.normal(size=60)
    payload = {"name": "wide", "features": [f"f{i}" for i in range(50)], "rows": [floats(r) for r in X],
               "y_logistic": floats(y_log), "y_linear": floats(y_lin),
               "logistic": [logistic_reference(X, y_log, "l2", C) for C in (1.0, 0.05)],
               "penalized_linear": penalized_linear(X, y_lin)}
    write("wide", payload)

    # Metrics on fixed predictions, with ties in the scores.
    rng = np.random.default_rng(6)
    y_true = (rng.random(400) < 0.3).astype(int)
    scores = np.round(np.clip(rng.normal(0.3 + 0.3 * y_true, 0.2), 0.001, 0.999), 2)
    labels = (scores > 0.5).astype(int)  # as LogisticRegression.predict: p > 0.5
    reg_true = rng.normal(10, 3, size=300)
    reg_pred = reg_true + rng.normal(0, 1, size=300)
    write("metrics", {
        "y_true": floats(y_true), "scores": floats(scores),
        "accuracy": metrics.accuracy_score(y_true, labels), "precision": metrics.precision_score(y_true, labels),
        "recall": metrics.recall_score(y_true, labels), "f1": metrics.f1_score(y_true, labels),
        "roc_auc": metrics.roc_auc_score(y_true, scores), "log_loss": metrics.log_loss(y_true, scores),
        "brier": metrics.brier_score_loss(y_true, scores),
        "confusion": [[int(v) for v in row] for row in metrics.confusion_matrix(y_true, labels)],
        "reg_true": floats(reg_true), "reg_pred": floats(reg_pred),
        "rmse": float(np.sqrt(metrics.mean_squared_error(reg_true, reg_pred))),
        "mae": metrics.mean_absolute_error(reg_true, reg_pred), "r2": metrics.r2_score(reg_true, reg_pred),
        "mape": metrics.mean_absolute_percentage_error(reg_true, reg_pred),
        "median_ae": metrics.median_absolute_error(reg_true, reg_pred),
    })
    # Infrequent categories: OneHotEncoder's max_categories and min_frequency on a skewed
    # column with ties, and how rare and unseen values encode.
    from sklearn.preprocessing import OneHotEncoder
    counts = {"a": 50, "b": 30, "c": 30, "d": 10, "e": 5, "f": 5, "g": 1, "h": 1}
    column = [level for level, k in counts.items() for _ in range(k)]
    probe = ["a", "d", "g", "unseen"]
    cases = []
    for options in ({"max_categories": 4}, {"max_categories": 2}, {"min_frequency": 6},
                    {"min_frequency": 0.2}, {"max_categories": 5, "min_frequency": 6}):
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", sparse_output=False, **options)
        encoder.fit(np.array(column).reshape(-1, 1))
        names = [str(n).removeprefix("x0_") for n in encoder.get_feature_names_out()]
        cases.append({"options": options, "columns": names,
                      "encoded": encoder.transform(np.array(probe).reshape(-1, 1)).tolist()})
    write("infrequent", {"column": column, "probe": probe, "cases": cases})
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main()
