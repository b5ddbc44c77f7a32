"""Writes Tests/LearningTests/Fixtures/gbdt.json: XGBoost `hist` predictions on a fixed data
set, for regression and binary targets, with and without missing values, over several
parameter sets: with one-hot dummies for a 3-level categorical, and with native categorical
splits (`enable_categorical`) for it and an 8-level one (one-hot splits below
max_cat_to_onehot 4 levels, partitions above). Binning is exact (max_bin above the number of
distinct values, values with two decimals), so our trees must split as XGBoost's.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import xgboost as xgb

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/LearningTests/Fixtures/gbdt.json"


def floats(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def train(objective, params, matrix):
    """XGBoost hist with the case's parameters (exact binning, one thread), and its base score."""
    booster = xgb.train(
        {"tree_method": "hist", "objective": objective, "max_bin": 1024, "nthread": 1,
         "eta": params["learning_rate"], "max_depth": params["max_depth"],
         "lambda": params.get("reg_lambda", 1.0), "alpha": params.get("reg_alpha", 0.0),
         "gamma": params.get("gamma", 0.0), "min_child_weight": params.get("min_child_weight", 1.0)},
        matrix, num_boost_round=params["n_estimators"])
    return booster, float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])


def main():
    rng = np.random.default_rng(11)
    n = 300
    X = np.round(rng.normal(size=(n, 3)) * [1.0, 2.0, 0.5], 2)
    level = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    dummies = np.column_stack([(level == k).astype(float) for k in ["a", "b", "c"]])
    design = np.column_stack([X, dummies])
    y_reg = np.round(2 * X[:, 0] - X[:, 1] ** 2 / 2 + 3 * (level == "b") + rng.normal(scale=0.5, size=n), 3)
    y_bin = (1 / (1 + np.exp(-(1.5 * X[:, 0] - X[:, 2] + (level == "c")))) > rng.random(n)).astype(float)
    with_missing = design.copy()
    with_missing[rng.random(n) < 0.15, 0] = np.nan
    with_missing[rng.random(n) < 0.10, 1] = np.nan
    # A second categorical, 8 levels, whose effect is not monotone in its label.
    grade = rng.choice([f"g{k}" for k in range(8)], size=n)
    effect = {"g0": 0.0, "g1": 2.0, "g2": -1.0, "g3": 1.5, "g4": -2.0, "g5": 0.5, "g6": 3.0, "g7": -0.5}
    grade_effect = np.array([effect[g] for g in grade])
    grade_missing = np.where(rng.random(n) < 0.08, None, grade)

    parameter_sets = [
        {"n_estimators": 20, "max_depth": 3, "learning_rate": 0.3},
        {"n_estimators": 15, "max_depth": 4, "learning_rate": 0.1, "reg_lambda": 2.0, "reg_alpha": 0.5,
         "gamma": 0.2, "min_child_weight": 5.0},
    ]
    cases = []
    for objective, y in (("reg:squarederror", y_reg), ("binary:logistic", y_bin)):
        for missing, data in (("none", design), ("some", with_missing)):
            for params in parameter_sets:
                booster, base = train(objective, params, xgb.DMatrix(data, label=y, missing=np.nan))
                predictions = booster.predict(xgb.DMatrix(data, missing=np.nan))
                cases.append({"objective": objective, "missing": missing, "parameters": params,
                              "categorical": "one_hot", "base_score": base, "predictions": floats(predictions)})
    # Native categorical splits: the same numbers, level and grade as pandas categories.
    y_reg_cat = np.round(y_reg + grade_effect, 3)
    y_bin_cat = (1 / (1 + np.exp(-(1.5 * X[:, 0] - X[:, 2] + (level == "c") + grade_effect / 2))) > rng.random(n)
                 ).astype(float)
    for objective, y in (("reg:squarederror", y_reg_cat), ("binary:logistic", y_bin_cat)):
        for missing in ("none", "some"):
            numbers = with_missing if missing == "some" else design
            frame = pd.DataFrame({
                "x0": numbers[:, 0], "x1": numbers[:, 1], "x2": numbers[:, 2],
                "level": pd.Categorical(level, categories=["a", "b", "c"]),
                "grade": pd.Categorical(grade_missing if missing == "some" else grade,
                                        categories=[f"g{k}" for k in range(8)]),
            })
            for params in parameter_sets:
                booster, base = train(objective, params, xgb.DMatrix(frame, label=y, enable_categorical=True))
                predictions = booster.predict(xgb.DMatrix(frame, enable_categorical=True))
                # The same rows without a grade: each categorical split's learned missing side.
                unknown = frame.assign(grade=pd.Categorical([None] * n, categories=[f"g{k}" for k in range(8)]))
                without_grade = booster.predict(xgb.DMatrix(unknown, enable_categorical=True))
                cases.append({"objective": objective, "missing": missing, "parameters": params,
                              "categorical": "native", "base_score": base, "predictions": floats(predictions),
                              "predictions_without_grade": floats(without_grade)})
    OUT.write_text(json.dumps({
        "generator": {"xgboost": xgb.__version__, "numpy": np.__version__},
        "x": [floats(design[:, j]) for j in range(3)], "x_missing": [floats(with_missing[:, j]) for j in range(2)],
        "level": list(level), "y_regression": floats(y_reg), "y_binary": floats(y_bin),
        "grade": list(grade), "grade_missing": list(grade_missing), "y_regression_categorical": floats(y_reg_cat),
        "y_binary_categorical": floats(y_bin_cat), "cases": cases,
    }, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
