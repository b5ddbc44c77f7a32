#!/usr/bin/env bash
# Mutation fuzzing over real sockets: a release modelserve on a SQLite file with the
# promotion model, then bench/fuzz/http_fuzz.py sends mutated requests (trailers, NUL bytes,
# cut-short and oversized requests, duplicate keys and headers). Fails on any 500, hang or
# crash; afterwards the server must still stop cleanly with its request log written.
#
#   bash bench/fuzz.sh [CASES] [SEED]     (default 5000, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
cases=${1:-5000}
seed=${2:-1}
out=bench/out/fuzz
rm -rf "$out" && mkdir -p "$out"
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev

say "building the release binary"
swift build -c release --product modelserve 2>&1 | grep -E "error|Compiling|Build" | tail -1
bin="$(swift build -c release --show-bin-path)/modelserve"
export DATABASE_URL="sqlite:$out/fuzz.sqlite" MODELSERVE_ADMIN_TOKEN=fuzz-admin-token-0123
"$bin" generate promotion --out "$out" --rows 500 >/dev/null
"$bin" load "$out/promotion.csv" --table promotion >/dev/null
"$bin" train --name promotion --kind logistic --query "SELECT network_ability, competence, promoted FROM promotion" \
    --target promoted --promote >/dev/null
port=$(free_port)
"$bin" serve --port "$port" --threads 2 --journal "$out/journal" --header-timeout 2 --body-timeout 2 \
    > "$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.05; done

say "fuzzing with $cases mutated requests (seed $seed)"
status=0
python3 bench/fuzz/http_fuzz.py "$port" "$MODELSERVE_ADMIN_TOKEN" "$cases" "$seed" || status=$?
kill -0 "$pid" || { echo "the server died"; cat "$out/serve.log"; exit 1; }
kill -TERM "$pid"
wait "$pid" || { echo "the server did not exit 0"; status=1; }
tail -1 "$out/serve.log"
rows=$(sqlite3 "$out/fuzz.sqlite" "SELECT count(*) FROM request_log")
echo "request_log rows: $rows"
exit $status
