"""bench/train's peers: scikit-learn LogisticRegression(lbfgs) and statsmodels OLS on the
data BenchTrain wrote, timed in the same run; prints the comparison table."""
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
