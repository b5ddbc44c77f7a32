"""bench/train's peers: scikit-learn LogisticRegression(lbfgs), statsmodels OLS and XGBoost
hist (2 threads and 1) on the data BenchTrain wrote, timed in the same run; prints the
comparison tables."""
import json
import resource
import sys
import time

import numpy as np
import sklearn
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
swift = json.load(open(f"{out}/train-swift.json"))
n, p = swift["rows"], swift["features"]
raw = np.fromfile(f"{out}/train-data.bin", dtype=np.float64)
X = raw[: n * p].reshape(p, n).T  # column-major on disk
y_log = raw[n * p: n * p + n]
y_lin = raw[n * p + n:]

t = time.perf_counter()
lr = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(X, y_log)
sk_seconds = time.perf_counter() - t
sk_coef = np.concatenate([lr.intercept_, lr.coef_.ravel()])
# scikit-learn's default tol (1e-4) stops early; the coefficients are compared with a
# tight solve of the same problem.
tight = LogisticRegression(C=1.0, solver="lbfgs", max_iter=10_000, tol=1e-10).fit(X, y_log)
tight_coef = np.concatenate([tight.intercept_, tight.coef_.ravel()])

t = time.perf_counter()
res = sm.OLS(y_lin, sm.add_constant(X)).fit()
summary = res.summary()  # noqa: F841 - what a user asks for: SE, t, p, CI, R², F...
hc3 = res.get_robustcov_results("HC3").bse
sm_seconds = time.perf_counter() - t
peers_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def maxdiff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))

print(f"\nTraining: {n:,} rows x {p} features ({swift['data_mb']:.0f} MB of features), "
      f"scikit-learn {sklearn.__version__}, statsmodels {sm.__version__ if hasattr(sm, '__version__') else ''}\n")
print(f"| {'fit':<46} | {'seconds':>8} | {'ratio':>6} | {'max rel. coef diff':>18} |")
print(f"|{'-'*48}|{'-'*10}|{'-'*8}|{'-'*20}|")
print(f"| {'modelserve logistic L2 (Newton)':<46} | {swift['logistic_seconds']:>8.3f} | "
      f"{swift['logistic_seconds'] / sk_seconds:>6.2f} | {maxdiff(swift['logistic_coefficients'], tight_coef):>18.2e} |")
print(f"| {'scikit-learn LogisticRegression(lbfgs)':<46} | {sk_seconds:>8.3f} | {1:>6.2f} | "
      f"{maxdiff(sk_coef, tight_coef):>18.2e} |")
print(f"| {'modelserve OLS + inference (SE, HC3, t, p, F)':<46} | {swift['ols_seconds']:>8.3f} | "
      f"{swift['ols_seconds'] / sm_seconds:>6.2f} | {maxdiff(swift['ols_coefficients'], res.params):>18.2e} |")
print(f"| {'statsmodels OLS().fit() + summary() + HC3':<46} | {sm_seconds:>8.3f} | {1:>6.2f} | {'':>18} |")
print()
print(f"logistic: {swift['logistic_iterations']} Newton iterations (converged: {swift['logistic_converged']}), "
      f"scikit-learn {lr.n_iter_[0]} lbfgs iterations")
print("coefficient differences: logistic against scikit-learn at tol=1e-10, OLS against statsmodels")
print(f"OLS SE max rel diff {maxdiff(swift['ols_se'], res.bse):.2e}, HC3 {maxdiff(swift['ols_hc3'], hc3):.2e}")
print(f"modelserve peak RSS {swift['peak_rss_mb']:.0f} MB = {swift['peak_rss_mb'] / swift['data_mb']:.2f}x the features' "
      f"{swift['data_mb']:.0f} MB (target <= 1.5x); Python peers peak {peers_rss:.0f} MB")
print(f"targets: logistic <= 0.5x scikit-learn, OLS <= 0.5x statsmodels")

# Gradient boosting: XGBoost hist and LightGBM with the same settings as modelserve's gbdt.
import lightgbm as lgb  # noqa: E402
import xgboost as xgb  # noqa: E402

params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256, "objective": "reg:squarederror"}
xgb_seconds = {}
for threads in (2, 1):
    t = time.perf_counter()
    booster = xgb.train({**params, "nthread": threads}, xgb.DMatrix(X, label=y_lin, nthread=threads), num_boost_round=100)
    xgb_seconds[threads] = time.perf_counter() - t
lgb_seconds = {}
for threads in (2, 1):
    t = time.perf_counter()
    lgb_model = lgb.train({"objective": "regression", "learning_rate": 0.1, "max_depth": 6, "num_leaves": 64,
                           "max_bin": 255, "num_threads": threads, "verbose": -1, "min_data_in_leaf": 1,
                           "min_sum_hessian_in_leaf": 1.0, "lambda_l2": 1.0},
                          lgb.Dataset(X, label=y_lin), num_boost_round=100)
    lgb_seconds[threads] = time.perf_counter() - t
probe = X[:1000]
xgb_pred = booster.predict(xgb.DMatrix(probe))
rmse_gap = float(np.sqrt(np.mean((np.asarray(swift["gbdt_predictions"]) - xgb_pred) ** 2)))
batch = X[:100_000]
t = time.perf_counter()
booster.predict(xgb.DMatrix(batch, nthread=1))
xgb_batch = time.perf_counter() - t
single = xgb.DMatrix(X[:1])
t = time.perf_counter()
for _ in range(1000):
    booster.inplace_predict(X[:1])
xgb_single_us = (time.perf_counter() - t) / 1000 * 1e6
print(f"\nGradient boosting: 100 trees, depth 6, learning rate 0.1, max_bin 256, xgboost {xgb.__version__}, "
      f"lightgbm {lgb.__version__}\n")
print(f"| {'fit':<40} | {'seconds':>8} | {'vs XGBoost 2 thr.':>17} |")
print(f"|{'-'*42}|{'-'*10}|{'-'*19}|")
rows = [("modelserve gbdt (2 threads)", swift["gbdt_seconds"]), ("XGBoost hist, 2 threads", xgb_seconds[2]),
        ("XGBoost hist, 1 thread", xgb_seconds[1]), ("LightGBM, 2 threads", lgb_seconds[2]),
        ("LightGBM, 1 thread", lgb_seconds[1])]
for label, seconds in rows:
    print(f"| {label:<40} | {seconds:>8.2f} | {seconds / xgb_seconds[2]:>17.2f} |")
print(f"\n| {'predict':<40} | {'modelserve':>10} | {'XGBoost':>10} |")
print(f"|{'-'*42}|{'-'*12}|{'-'*12}|")
print(f"| {'one row (µs)':<40} | {swift['gbdt_single_row_us']:>10.2f} | {xgb_single_us:>10.2f} |")
print(f"| {'100,000 rows, 1 thread (s)':<40} | {swift['gbdt_batch_100k_seconds']:>10.3f} | {xgb_batch:>10.3f} |")
print(f"\nmodelserve gbdt: artifact {swift['gbdt_artifact_bytes'] / 1024:.0f} KB, fit peak RSS "
      f"{swift['gbdt_fit_rss_mb']:.0f} MB over the {swift['data_mb']:.0f} MB of features = "
      f"{swift['gbdt_fit_rss_mb'] / swift['data_mb']:.2f}x (target < 2x); RMS difference from XGBoost's predictions "
      f"on 1,000 rows {rmse_gap:.4f} (quantile cuts differ from XGBoost's sketch)")
print("targets: fit no slower than XGBoost 2 threads, single-row predict < 10 µs")
