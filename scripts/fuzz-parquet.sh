#!/usr/bin/env bash
# Fuzzes the Parquet reader: mutated copies of the committed fixtures (the corpus seeds)
# loaded for SECONDS; every one must load or be refused with a ParquetError, never crash,
# hang or leave a table. Prints the seed; MODELSERVE_FUZZ_SEED=N replays a run.
#
#   bash scripts/fuzz-parquet.sh [SECONDS]        (default 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev
# Optimised, with @testable imports allowed (the tests use them).
flags=(-c release -Xswiftc -enable-testing --scratch-path .build-fuzz)
swift build "${flags[@]}" --build-tests 2>&1 | build_progress || true
MODELSERVE_FUZZ_SECONDS="${1:-3600}" swift test "${flags[@]}" --skip-build --disable-xctest \
    --filter "ParquetLoaderTests/mutations" 2>&1 | grep -E "fuzz|passed|failed|error|issue"
