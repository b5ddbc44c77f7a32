#!/usr/bin/env bash
# scripts/cluster.sh up|down|status: a deployment on one machine. `up` starts a throwaway
# Postgres, the demo's click models trained and assigned in it, N `serve` replicas on their
# own ports (3 unless MODELSERVE_CLUSTER_REPLICAS says otherwise) and HAProxy in front, then
# prints one line `balancer http://HOST:PORT` and one `replica http://HOST:PORT` per replica
# and returns, leaving them running. `down` stops everything `up` started (replicas with
# SIGTERM, so their logs flush) and removes its files.
#
#   MODELSERVE_ADMIN_TOKEN   the admin token every replica shares (required, 16+ characters)
#   MODELSERVE_BIN           the modelserve binary (default: a release build, made if missing)
#   MODELSERVE_CLUSTER_DIR   where its state, logs and journals live (default .build/cluster)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# What `up` leaves running must not hold descriptors this script inherited: a caller that
# waits for them to close (Foundation's Process does, to see the script end) would wait for
# the cluster to stop. 255 is bash's own handle on the script.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

state=${MODELSERVE_CLUSTER_DIR:-$PWD/.build/cluster}
replicas=${MODELSERVE_CLUSTER_REPLICAS:-3}

# Waits (up to 30 s) until GET $1/ready answers 200.
wait_ready() {
    local url=$1 deadline=$((SECONDS + 30))
    until python3 - "$url/ready" <<'EOF' 2>/dev/null
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
EOF
    do
        [ $SECONDS -lt $deadline ] || { echo "$url did not become ready" >&2; return 1; }
        sleep 0.1
    done
}

# Starts replica $1 on a free port: its own journal, log file and pid file.
start_replica() {
    local i=$1 port
    port=$(free_port)
    DATABASE_URL=$(cat "$state/database-url") nohup "$(cat "$state/bin")" serve --host 127.0.0.1 --port "$port" \
        --model click --journal "$state/replica-$i.journal" >"$state/replica-$i.log" 2>&1 &
    echo $! >"$state/replica-$i.pid"
    echo "$port" >"$state/replica-$i.port"
}

up() {
    local token=${MODELSERVE_ADMIN_TOKEN:-}
    if [ ${#token} -lt 16 ]; then
        echo "set MODELSERVE_ADMIN_TOKEN to a secret of 16 or more characters (every replica shares it)" >&2
        exit 2
    fi
    if [ -e "$state/pids" ]; then
        echo "a cluster is already up in $state: scripts/cluster.sh down first" >&2
        exit 1
    fi
    ensure_packages postgresql haproxy
    local bin=${MODELSERVE_BIN:-}
    if [ -z "$bin" ]; then
        ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev
        say "building modelserve (release)"
        swift build -c release --product modelserve 2>&1 | build_progress
        bin=$PWD/.build/release/modelserve
    fi
    rm -rf "$state"
    mkdir -p "$state"
    echo "$bin" >"$state/bin"
    start_throwaway_postgres
    # From here `down` owns the cleanup; a failure half-way runs it.
    trap - EXIT
    trap 'down >/dev/null 2>&1 || true' ERR
    printf '%s\n%s\n%s\n' "$MODELSERVE_TEST_PGBIN" "$MODELSERVE_TEST_PGDATA" "$PG_DIR" >"$state/postgres"
    echo "$MODELSERVE_TEST_POSTGRES_URL" >"$state/database-url"
    touch "$state/pids"

    say "click models into the registry"
    export DATABASE_URL=$MODELSERVE_TEST_POSTGRES_URL
    "$bin" migrate >/dev/null
    "$bin" generate click --out "$state/data" >/dev/null
    for table in leads offers clicks; do "$bin" load "$state/data/$table.csv" --table "$table" >/dev/null; done
    "$bin" train --spec pipelines/click.yaml --promote >/dev/null

    say "$replicas replicas and HAProxy"
    for i in $(seq 1 "$replicas"); do start_replica "$i"; done
    local balancer
    balancer=$(free_port)
    {
        cat <<EOF
global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 30s
    option http-keep-alive
    retries 3
    retry-on conn-failure empty-response response-timeout
    option redispatch 1
frontend http
    bind 127.0.0.1:$balancer
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 1
EOF
        for i in $(seq 1 "$replicas"); do echo "    server replica-$i 127.0.0.1:$(cat "$state/replica-$i.port")"; done
    } >"$state/haproxy.cfg"
    for i in $(seq 1 "$replicas"); do wait_ready "http://127.0.0.1:$(cat "$state/replica-$i.port")"; done
    haproxy -D -p "$state/haproxy.pid" -f "$state/haproxy.cfg" >"$state/haproxy.log" 2>&1
    echo "$balancer" >"$state/balancer.port"
    wait_ready "http://127.0.0.1:$balancer"
    trap - ERR
    status
}

status() {
    [ -e "$state/balancer.port" ] || { echo "no cluster is up in $state" >&2; exit 1; }
    echo "balancer http://127.0.0.1:$(cat "$state/balancer.port")"
    for port in "$state"/replica-*.port; do
        local i=${port##*/replica-}
        i=${i%.port}
        if kill -0 "$(cat "$state/replica-$i.pid")" 2>/dev/null; then echo "replica http://127.0.0.1:$(cat "$port")"; fi
    done
}

down() {
    [ -d "$state" ] || { echo "no cluster in $state"; return 0; }
    if [ -e "$state/haproxy.pid" ]; then kill "$(cat "$state/haproxy.pid")" 2>/dev/null || true; fi
    local pids=()
    for file in "$state"/replica-*.pid; do
        [ -e "$file" ] || continue
        local pid
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    done
    # SIGTERM drains and flushes each replica's log; wait for them before Postgres goes.
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    if [ -e "$state/postgres" ]; then
        local pgbin pgdata pgdir
        { read -r pgbin; read -r pgdata; read -r pgdir; } <"$state/postgres"
        as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$pgdir"
    fi
    rm -rf "$state"
    say "cluster stopped"
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*)
    echo "usage: scripts/cluster.sh up|down|status" >&2
    exit 2
    ;;
esac
