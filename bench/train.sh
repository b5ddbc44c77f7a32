#!/usr/bin/env bash
# Benchmark: training. BenchTrain (Swift, release) times logistic L2, OLS with inference and gbdt
# on a seeded dense data set; the same run times scikit-learn and statsmodels on the same
# data, and XGBoost hist and LightGBM (2 threads and 1), and prints ratios and coefficient
# differences.
#
#   bash bench/train.sh [ROWS] [FEATURES]     (default 1000000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
rows=${1:-1000000}
features=${2:-20}
mkdir -p bench/out

say "building BenchTrain (release)"
swift build -c release --product BenchTrain 2>&1 | grep -E "error|warning: |Compiling|Build" | tail -1
bin="$(swift build -c release --show-bin-path)/BenchTrain"

venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q -r scripts/reference/requirements.txt lightgbm==4.7.0

say "modelserve fits"
"$bin" "$rows" "$features" bench/out >/dev/null
say "scikit-learn and statsmodels fits"
"$venv/bin/python" bench/train_peers.py bench/out
