#!/usr/bin/env bash
# Benchmark: three replicas (MODELSERVE_CLUSTER_REPLICAS) behind HAProxy (scripts/cluster.sh) against one replica of the
# same cluster asked directly and nginx's fixed body, all in one run: wrk POSTs one click row
# to /predict (keep-alive, 64 connections, -t2) for SECONDS (default 10) each, then the rows
# request_log holds are compared with the answers wrk counted. On two cores expect no gain
# from replicas: wrk, HAProxy, three servers and Postgres share the same two cores, so the
# balancer's extra hop costs throughput instead of adding any; what the cluster buys is
# surviving a replica (see ClusterTests), not speed on one machine.
#
#   bench/cluster.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
seconds=${1:-10}
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev postgresql wrk nginx haproxy
say "building modelserve (release, static stdlib)"
swift build -c release --static-swift-stdlib --scratch-path .build-static --product modelserve 2>&1 | build_progress
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/modelserve"
out=bench/out/cluster
mkdir -p "$out"
export MODELSERVE_ADMIN_TOKEN=bench-cluster-token-0123456789 MODELSERVE_BIN="$bin" MODELSERVE_CLUSTER_DIR="$PWD/$out/state"
bash scripts/cluster.sh down >/dev/null 2>&1 || true
trap 'bash scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT
lines=$(bash scripts/cluster.sh up)
balancer=$(echo "$lines" | awk '/^balancer/ {print $2}')
replica=$(echo "$lines" | awk '/^replica/ {print $2; exit}')
lua=$out/click.lua
cat > "$lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"model": "click", "features": {"apr": 14.5, "requested": 12000, "annual_income": 62000, "loan_purpose": "car", "credit": "good", "lender_id": 3}}'
wrk.headers["Content-Type"] = "application/json"
EOF
run() {  # label url
    wrk -t2 -c64 -d"${seconds}s" --latency -s "$lua" "$2/predict" > "$out/wrk-$1.txt" 2>&1
    echo "$1 $(awk '/Requests\/sec/ {print $2}' "$out/wrk-$1.txt") $(awk '$1 == "99%" {print $2}' "$out/wrk-$1.txt") \
        $(awk '/requests in/ {print $1}' "$out/wrk-$1.txt") $(awk '/Non-2xx/ {print $5}' "$out/wrk-$1.txt")"
}
say "three replicas through HAProxy, then one replica directly"
results=$out/results.txt
{
    run balancer "$balancer"
    run replica "$replica"
} > "$results"

say "nginx fixed body (ceiling)"
start_nginx_ceiling '{"model_id":2,"name":"click","version":2,"probability":0.18,"label":0}'
run nginx "http://127.0.0.1:$NGINX_PORT" >> "$results"
stop_nginx_ceiling

# The rows logged, once the count stops moving (Postgres stops with the cluster, so count now).
url=$(cat "$out/state/database-url")
logged=-1
for _ in $(seq 1 100); do
    now=$(psql "$url" -Atc "SELECT count(*) FROM request_log WHERE path = '/predict'")
    [ "$now" = "$logged" ] && break
    logged=$now
    sleep 0.5
done
python3 - "$results" "$seconds" "$logged" <<'PY'
import sys
rows = {p[0]: p[1:] for p in (l.split() for l in open(sys.argv[1]))}
nginx = float(rows["nginx"][0])
print(f"\nCluster: POST /predict (click), keep-alive, 64 connections, wrk -t2, {sys.argv[2]} s each, 2 cores\n")
print(f"{'':38} {'req/s':>9} {'x nginx':>8} {'p99':>9} {'non-2xx':>8}")
import os
replicas = os.environ.get("MODELSERVE_CLUSTER_REPLICAS", "3")
for key, name in [("balancer", f"{replicas} replicas through HAProxy"), ("replica", "1 replica of them, directly"),
                  ("nginx", "nginx fixed body (ceiling)")]:
    rps, p99, total, bad = (rows[key] + ["0"])[:4]
    print(f"{name:38} {float(rps):>9,.0f} {float(rps) / nginx:>7.2f}x {p99:>9} {int(bad or 0):>8}")
answered = sum(int(rows[k][2]) for k in ("balancer", "replica"))
print(f"\nrequest_log /predict rows: {int(sys.argv[3]):,}; wrk counted {answered:,} answers "
      f"(rows beyond that were in flight when wrk stopped)")
PY
