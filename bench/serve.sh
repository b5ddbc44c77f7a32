#!/usr/bin/env bash
# Benchmark: serving. wrk POSTs one 10-feature row to /predict (keep-alive, 64 connections)
# against modelserve (request log on, SQLite and Postgres), FastAPI + uvicorn + scikit-learn
# (2 workers) and nginx returning a fixed body (this machine's ceiling), in the same run.
# Prints req/s, p50/p99, ratios, start-to-first-200, idle RSS, and log rows against wrk's count.
# One more run serves a gbdt on the same row (XGBoost's defaults: 100 trees of depth 6), and
# one asks POST /similar for the 5 nearest of the 5,000 demo diamonds' training rows.
# modelserve runs with its default --log-durability process (journaled before each answer is
# sent); one more saturated run per backend with none and with machine (fdatasync) shows
# what the journal costs.
# Latency is measured twice: at saturation (as fast as wrk can send; on this 2-core machine
# wrk, the server and its database share the cores, so the tail is mostly scheduling) and
# at a fixed offered load (each connection sends every 2 ms, bench/serve/paced.lua).
#
#   bash bench/serve.sh [SECONDS]     (default 10)
#   bash bench/serve.sh --replicas N [SECONDS]   (N replicas behind HAProxy: bench/cluster.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
if [ "${1:-}" = "--replicas" ]; then
    MODELSERVE_CLUSTER_REPLICAS=${2:?--replicas needs a count} exec bash bench/cluster.sh "${3:-10}"
fi
seconds=${1:-10}
out=bench/out
mkdir -p "$out"
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev postgresql wrk nginx

say "building the release binary (static Swift runtime, as the Docker image ships it)"
swift build -c release --static-swift-stdlib --scratch-path .build-static --product modelserve 2>&1 \
    | grep -E "error|Build" | tail -1
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/modelserve"
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/serve/predict.lua)

csv="$out/serve.csv"
python3 bench/serve/make_data.py "$csv"

results="$out/serve-results.txt"
: > "$results"
run_wrk() {  # label url [lua script]
    wrk -t2 -c64 -d"${seconds}s" --latency -s "${3:-bench/serve/predict.lua}" "$2" > "$out/wrk-$1.txt" 2>&1
    python3 - "$1" "$out/wrk-$1.txt" >> "$results" <<'PY'
import re, sys
text = open(sys.argv[2]).read()
def ms(label):
    m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text)
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
print(f"{sys.argv[1]} {rps:.0f} {ms(50):.3f} {ms(99):.3f} {total} {errors + non2xx}")
PY
}

serve_modelserve() {  # label database-url [durability] [model]
    local label=$1 url=$2 durability=${3:-process} model=${4:-bench} port
    port=$(free_port)
    DATABASE_URL="$url" "$bin" migrate >/dev/null
    DATABASE_URL="$url" "$bin" load "$csv" --table bench_data --replace >/dev/null
    if ! DATABASE_URL="$url" "$bin" models current --name bench >/dev/null 2>&1; then
        DATABASE_URL="$url" "$bin" train --name bench --kind logistic --query "SELECT * FROM bench_data" \
            --target y --promote >/dev/null
    fi
    if ! DATABASE_URL="$url" "$bin" models current --name bench_gbdt >/dev/null 2>&1; then
        DATABASE_URL="$url" "$bin" train --name bench_gbdt --kind gbdt --query "SELECT * FROM bench_data" \
            --target y --param objective=binary:logistic --promote >/dev/null
    fi
    local start
    start=$(DATABASE_URL="$url" MODELSERVE_ADMIN_TOKEN=bench-admin-token-0123 python3 bench/serve/first200.py \
        "$port" "$body" "$bin" serve --port "$port" --threads 2 --journal "$out/journal-$label" \
        --log-durability "$durability" --model "$model")
    local pid ms
    pid=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['pid'])" "$start")
    ms=$(python3 -c "import json,sys; print(round(json.loads(sys.argv[1])['ms']))" "$start")
    local rss
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo "$label-startup $ms $rss" >> "$results"
    run_wrk "$label" "http://127.0.0.1:$port/predict"
    if [ "$durability" = process ] && [ "$model" = bench ]; then run_wrk "$label-paced" "http://127.0.0.1:$port/predict" bench/serve/paced.lua; fi
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    echo "$label-log $(grep -o 'stopped: [0-9]*' "$out/serve-output.log" | grep -o '[0-9]*')" >> "$results"
    # Answers given while the log writer was held up (their entries went through overflow files).
    echo "$label-overflow $(grep -o '[0-9]* of them by way of overflow' "$out/serve-output.log" | grep -o '^[0-9]*' || echo 0)" >> "$results"
}

say "modelserve on SQLite"
rm -f "$out"/serve.sqlite*
serve_modelserve sqlite "sqlite:$out/serve.sqlite"
serve_modelserve sqlite-none "sqlite:$out/serve.sqlite" none
serve_modelserve sqlite-machine "sqlite:$out/serve.sqlite" machine
serve_modelserve sqlite-gbdt "sqlite:$out/serve.sqlite" process bench_gbdt

say "modelserve POST /similar on SQLite (5,000 diamonds)"
gems=bench/serve/gems.yaml
DATABASE_URL="sqlite:$out/serve.sqlite" "$bin" generate diamonds --out "$out" >/dev/null
DATABASE_URL="sqlite:$out/serve.sqlite" "$bin" load "$out/diamonds.csv" --table diamonds --replace >/dev/null
DATABASE_URL="sqlite:$out/serve.sqlite" "$bin" train --spec "$gems" --promote >/dev/null
port=$(free_port)
DATABASE_URL="sqlite:$out/serve.sqlite" MODELSERVE_ADMIN_TOKEN=bench-admin-token-0123 "$bin" serve --port "$port" \
    --threads 2 --journal "$out/journal-similar" >> "$out/serve-output.log" 2>&1 &
similar_pid=$!
for _ in $(seq 1 200); do curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/serve/similar.lua)" "http://127.0.0.1:$port/similar" && break; sleep 0.05; done
run_wrk sqlite-similar "http://127.0.0.1:$port/similar" bench/serve/similar.lua
kill -TERM "$similar_pid"; wait "$similar_pid" 2>/dev/null || true

say "modelserve on Postgres"
start_throwaway_postgres
serve_modelserve postgres "$MODELSERVE_TEST_POSTGRES_URL"
serve_modelserve postgres-none "$MODELSERVE_TEST_POSTGRES_URL" none
serve_modelserve postgres-machine "$MODELSERVE_TEST_POSTGRES_URL" machine

say "FastAPI + uvicorn + scikit-learn (2 workers)"
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q -r scripts/reference/requirements.txt fastapi uvicorn
port=$(free_port)
BENCH_CSV="$csv" "$venv/bin/uvicorn" --app-dir bench/serve fastapi_app:app --port "$port" --workers 2 \
    --log-level warning --no-access-log > "$out/uvicorn.log" 2>&1 &
uvicorn_pid=$!
# uvicorn imports scikit-learn in each worker: on a loaded host that has taken over 20 s.
up=false
for _ in $(seq 1 600); do
    if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/predict"; then
        up=true
        break
    fi
    sleep 0.1
done
if ! $up; then
    echo "FastAPI did not answer within 60 s; its log:" >&2
    cat "$out/uvicorn.log" >&2
    exit 1
fi
run_wrk fastapi "http://127.0.0.1:$port/predict"
kill "$uvicorn_pid"; wait "$uvicorn_pid" 2>/dev/null || true

say "nginx fixed body (ceiling)"
start_nginx_ceiling '{"model_id":1,"name":"bench","version":1,"probability":0.97,"label":1}'
run_wrk nginx "http://127.0.0.1:$NGINX_PORT/predict"
run_wrk nginx-paced "http://127.0.0.1:$NGINX_PORT/predict" bench/serve/paced.lua
stop_nginx_ceiling

python3 - "$results" "$seconds" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    rows[parts[0]] = parts[1:]
nginx = float(rows["nginx"][0]); fastapi = float(rows["fastapi"][0])
print(f"\nServing: POST /predict, one 10-feature row, keep-alive, 64 connections, wrk -t2 for {sys.argv[2]} s\n")
print(f"| {'server':<34} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | {'x FastAPI':>9} | {'x nginx':>7} |")
print(f"|{'-'*36}|{'-'*10}|{'-'*9}|{'-'*9}|{'-'*8}|{'-'*11}|{'-'*9}|")
for key, name in [("sqlite", "modelserve, log on, SQLite"), ("sqlite-none", "  same, --log-durability none"),
                  ("sqlite-machine", "  same, --log-durability machine"),
                  ("sqlite-gbdt", "  same, gbdt (100 trees, depth 6)"),
                  ("sqlite-similar", "  same, POST /similar (5 of 5,000)"),
                  ("postgres", "modelserve, log on, Postgres"), ("postgres-none", "  same, --log-durability none"),
                  ("postgres-machine", "  same, --log-durability machine"),
                  ("fastapi", "FastAPI + uvicorn + sklearn (2 w.)"), ("nginx", "nginx fixed body (ceiling)")]:
    rps, p50, p99, total, errors = rows[key]
    print(f"| {name:<34} | {float(rps):>8.0f} | {float(p50):>7.2f} | {float(p99):>7.2f} | {errors:>6} | "
          f"{float(rps) / fastapi:>9.1f} | {float(rps) / nginx:>7.2f} |")
print(f"\nLatency at a fixed offered load: 64 connections, each sending every 2 ms (at most 32k req/s)\n")
print(f"| {'server':<34} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} |")
print(f"|{'-'*36}|{'-'*10}|{'-'*9}|{'-'*9}|{'-'*8}|")
for key, name in [("sqlite-paced", "modelserve, log on, SQLite"), ("postgres-paced", "modelserve, log on, Postgres"),
                  ("nginx-paced", "nginx fixed body")]:
    rps, p50, p99, total, errors = rows[key]
    print(f"| {name:<34} | {float(rps):>8.0f} | {float(p50):>7.2f} | {float(p99):>7.2f} | {errors:>6} |")
print()
for key in ["sqlite", "postgres"]:
    ms, rss = rows[key + "-startup"]
    logged = int(rows[key + "-log"][0]) if rows[key + "-log"] else 0
    total = int(rows[key][3]) + int(rows[key + "-paced"][3])
    lost = max(0, total + 1 - logged)
    overflow = int(rows[key + "-overflow"][0]) if rows.get(key + "-overflow") else 0
    print(f"{key}: start to first 200 {ms} ms, idle RSS {int(rss) / 1024:.1f} MB, request_log rows {logged} for "
          f"wrk's {total} completed (both runs) + 1 warm-up ({logged - total - 1} more: requests in flight when wrk "
          f"stopped); lost {lost}; {overflow} answered while the log writer was held up (overflow)")
print("targets: >= 25x FastAPI, >= 0.5x nginx, p99 < 2 ms, 0 errors, 0 lost rows, idle RSS < 30 MB, < 200 ms to first 200; "
      "/similar >= 20k req/s")
PY
