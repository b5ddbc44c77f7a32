#!/usr/bin/env bash
# Regenerates Tests/LearningTests/Fixtures from scikit-learn, statsmodels and XGBoost, and
# Tests/StorageTests/Fixtures/parquet from pyarrow and fastparquet (pinned in
# scripts/reference/requirements.txt, installed into scripts/.venv), and the shortest-decimal
# formatter's powers of ten (Sources/Storage/ShortestDecimal+Powers.swift, exact integers).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x scripts/.venv/bin/python ]; then python3 -m venv scripts/.venv; fi
scripts/.venv/bin/pip install -q -r scripts/reference/requirements.txt
scripts/.venv/bin/python scripts/reference/make_fixtures.py
scripts/.venv/bin/python scripts/reference/make_gbdt_fixtures.py
scripts/.venv/bin/python scripts/reference/make_parquet_fixtures.py
scripts/.venv/bin/python scripts/reference/make_online_fixtures.py
scripts/.venv/bin/python scripts/reference/make_feedback_fixtures.py
scripts/.venv/bin/python scripts/reference/make_drift_fixtures.py
scripts/.venv/bin/python scripts/reference/make_profile_fixtures.py
scripts/.venv/bin/python scripts/reference/make_pow10_table.py
