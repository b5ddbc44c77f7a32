#!/usr/bin/env bash
# The demo: builds a release binary, creates demo/modelserve.sqlite, generates and loads the
# click and diamonds data sets, trains the two logistic versions of pipelines/click.yaml and
# the linear, tree and tuned-tree models of pipelines/diamonds.yaml, makes the best of each
# production, learns pipelines/promotion-online.yaml online from a paginated source (the
# streaming challenge; /runs/1 shows it), and serves the API. Running it again reuses the database (tables replaced,
# models trained once).
#
#   bash scripts/demo.sh [PORT]      (default: a free port)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev

say "building the release binary"
# A failed build stops the demo: an older binary left from before would run stale code.
swift build -c release --static-swift-stdlib --scratch-path .build-static --product modelserve 2>&1 \
    | build_progress || { echo "build failed" >&2; exit 1; }
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/modelserve"
[ -x "$bin" ] || { echo "build failed" >&2; exit 1; }

mkdir -p demo/data
export DATABASE_URL="sqlite:demo/modelserve.sqlite"
export MODELSERVE_ADMIN_TOKEN="${MODELSERVE_ADMIN_TOKEN:-demo-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}"

say "migrating $DATABASE_URL"
"$bin" migrate

say "generating and loading demo data"
"$bin" generate click --out demo/data
"$bin" generate diamonds --out demo/data
"$bin" generate diamonds-raw --out demo/data
for table in leads offers clicks diamonds diamonds_raw; do
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

if "$bin" runs show 1 >/dev/null 2>&1; then
    say "the online run is already there: not ingesting again"
else
    say "online learning: serving demo/data/promotion.csv as a paginated source, ingesting it batch by batch"
    "$bin" generate promotion --out demo/data --rows 20000
    "$bin" load demo/data/promotion.csv --table promotion --replace --index id
    source_port=$(free_port)
    "$bin" serve --port "$source_port" --data-table promotion --journal demo/source.journal >demo/source.log 2>&1 &
    source_pid=$!
    "$bin" ingest --spec pipelines/promotion-online.yaml --source "http://127.0.0.1:$source_port/api/v1/data"
    kill "$source_pid"; wait "$source_pid" || true
fi

say "profiling the raw diamonds file (the notebook's first look: -1 prices, zero sizes, a duplicate)"
"$bin" profile --query "SELECT * FROM diamonds_raw" --target price --save 2>demo/profile.log
profile_id=$(grep -o 'saved as profile [0-9]*' demo/profile.log | grep -o '[0-9]*$')

say "the registry"
"$bin" models list
card_id=$("$bin" models current --name diamonds --json | grep -o '"id" *: *[0-9]*' | head -n 1 | grep -o '[0-9]*$')

port=${1:-$(free_port)}
url="http://127.0.0.1:$port"
cat <<MSG

Serving on $url  (Ctrl-C stops it; the request log is flushed on the way out)

  dashboard      $url/
  online run     $url/runs/1         (convergence charts, the collider explained)
  model card     $url/models/$card_id          (diamonds in production: purpose, caveats, inference, its data)
  data profile   $url/profiles/$profile_id        (the raw diamonds: histograms, correlations, suspicious values)
  API docs       $url/docs            (OpenAPI: $url/openapi.json)
  admin token    $MODELSERVE_ADMIN_TOKEN

  predict:
    curl -s -X POST $url/predict -H 'Content-Type: application/json' \\
      -d '{"features": {"apr": 14.5, "requested": 12000, "annual_income": 62000, "loan_purpose": "car", "credit": "good", "lender_id": 3}}'

  exercise every endpoint and record a transcript:
    MODELSERVE_ADMIN_TOKEN=$MODELSERVE_ADMIN_TOKEN playbook/run.sh $url

MSG
exec "$bin" serve --port "$port" --model click --train-inline
