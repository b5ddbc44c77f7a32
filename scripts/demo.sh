#!/usr/bin/env bash
# The demo: builds a release binary, creates a SQLite database under demo/, applies the
# schema and loads the example data. Safe to run again: the schema is migrated once and
# the table's contents are replaced, never duplicated.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev

say "building the release binary"
swift build -c release --product modelserve 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/modelserve"
[ -x "$bin" ] || { echo "build failed" >&2; exit 1; }

mkdir -p demo
export DATABASE_URL="sqlite:demo/modelserve.sqlite"

say "migrating $DATABASE_URL"
"$bin" migrate

say "loading examples/promotion.csv"
"$bin" load examples/promotion.csv --table promotion --replace

cat <<MSG

Done. The database is demo/modelserve.sqlite:
  schema:  the registry tables (models, production_model, model_assignments,
           training_runs, training_checkpoints, request_log)
  data:    table promotion (1,000 rows) from examples/promotion.csv

Try:
  $bin --help
  $bin load examples/promotion.csv --table promotion --replace --database sqlite:demo/modelserve.sqlite
  sqlite3 demo/modelserve.sqlite 'SELECT promoted, count(*) FROM promotion GROUP BY promoted'
MSG
