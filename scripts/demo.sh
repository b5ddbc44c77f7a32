#!/usr/bin/env bash
# The demo: builds a release binary, creates demo/modelserve.sqlite, generates and loads the
# click and diamonds data sets, trains the two logistic versions of pipelines/click.yaml and
# the linear models of pipelines/diamonds.yaml, and makes the best of each production.
# Safe to run again: tables are replaced, and models are trained only once.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev

say "building the release binary"
swift build -c release --product modelserve 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/modelserve"
[ -x "$bin" ] || { echo "build failed" >&2; exit 1; }

mkdir -p demo/data
export DATABASE_URL="sqlite:demo/modelserve.sqlite"

say "migrating $DATABASE_URL"
"$bin" migrate

say "generating and loading demo data"
"$bin" generate click --out demo/data
"$bin" generate diamonds --out demo/data
for table in leads offers clicks diamonds; do
    "$bin" load "demo/data/$table.csv" --table "$table" --replace
done

for pipeline in click diamonds; do
    if "$bin" models current --name "$pipeline" >/dev/null 2>&1; then
        say "$pipeline already has a production model: not training again"
    else
        say "training pipelines/$pipeline.yaml"
        "$bin" train --spec "pipelines/$pipeline.yaml" --promote
    fi
done

say "the registry"
"$bin" models list

cat <<MSG

Done. The database is demo/modelserve.sqlite (DATABASE_URL=$DATABASE_URL).
Next:
  $bin models show 1                 # coefficients by feature, metrics
  $bin models compare 1 2            # the two click versions side by side
  $bin models assign 2               # make version 2 production
  $bin models rollback click         # and back
  $bin --help
MSG
