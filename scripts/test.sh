#!/usr/bin/env bash
# Runs every test against real databases: installs what is missing, starts a throwaway
# Postgres (initdb in a temp dir, a free port on 127.0.0.1, stopped on exit even when tests
# fail), then builds and runs `swift test`. Extra arguments go to `swift test`
# (e.g. scripts/test.sh --filter CSV).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev postgresql sqlite3 docker-compose chromium haproxy wrk pgbouncer
ensure_test_tools
start_throwaway_postgres

say "building"
swift build --build-tests -Xswiftc -warnings-as-errors 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || { echo "build failed"; exit 1; }

say "testing (Postgres on 127.0.0.1:$PG_PORT, SQLite in temp files)"
# Every test is swift-testing; XCTest would only print "Executed 0 tests" twice.
swift test --skip-build --disable-xctest "$@"
