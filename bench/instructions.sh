#!/usr/bin/env bash
# Instructions per request on the hot path, counted by valgrind's callgrind: a number that
# does not move with the machine's load, unlike req/s. serve (one event loop, SQLite, the
# durable log on) runs under callgrind; one keep-alive connection sends N /predict requests
# to warm up (at least 2,000: WARMUP), the counters are zeroed, then 20N more are sent and
# the counters dumped, so the dump holds those 20N requests (and whatever the background
# threads did meanwhile). The log writer prepares its insert of every chunk size at its first
# batch (up to ~600k instructions for the 100-row one, paid once in a server's life; the
# pool hands the writer back its own connection), well inside the warm-up: before it did,
# sizes first seen in the window cost 450-950 a row of the measured figure. Printed
# per request and per thread (event loop, request log writer, the rest), with the loop's and
# the writer's top inclusive functions, and how much of the writer's count is spent inside
# the database's client library (libsqlite3 does the whole insert in-process; libpq only
# sends the COPY), which separates our code's cost from the library's. Measured:
#
#   logistic            the 10-feature logistic row, SQLite
#   named               the logistic row in a body that names its model first
#                       ({"model": "bench", "features": ...}, as the playbook sends it)
#   gbdt                the same row through a gbdt model (100 trees, depth 6)
#   similar             POST /similar, the 5 nearest of 5,000 diamonds (match on three
#                       categories, nearest by carat)
#   saturated           the logistic row from 32 connections at once, so the loop answers
#                       many requests an iteration and the log writer's batches are full
#   logistic-postgres   the logistic row with the log in a throwaway Postgres (binary COPY;
#                       the server's own work is not counted, only ours and libpq's)
#
#   bench/instructions.sh [N] [label ...]   (default 200: 4,000 measured requests a label;
#                                            default: every label)
#
# CALLGRIND_EXTRA passes options to callgrind (--dump-instr=yes for bench/annotate_instructions.py).
#
# Valgrind 3.19 (Debian's) cannot read the DWARF 5 that Swift emits, so it runs a copy of the
# binary with the debug info stripped (symbols stay).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
n=${1:-200}
shift || true
wanted=" ${*:-logistic named gbdt similar saturated logistic-postgres} "
measured=$((20 * n))
warmup=${WARMUP:-$((n > 2000 ? n : 2000))}
ensure_packages valgrind postgresql libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev
say "building the release binary"
swift build -c release --static-swift-stdlib --scratch-path .build-static --product modelserve 2>&1 | build_progress
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/modelserve"
out=bench/out/instructions
rm -rf "$out"
mkdir -p "$out"
cp "$bin" "$out/modelserve"
strip --strip-debug "$out/modelserve"
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/serve/predict.lua)

say "a 10-feature logistic model in SQLite"
python3 bench/serve/make_data.py "$out/data.csv"
export DATABASE_URL="sqlite:$out/bench.sqlite"
"$out/modelserve" load "$out/data.csv" --table bench_data >/dev/null
"$out/modelserve" train --name bench --kind logistic --query "SELECT * FROM bench_data" --target y --promote >/dev/null
"$out/modelserve" train --name bench_gbdt --kind gbdt --query "SELECT * FROM bench_data" --target y \
    --param objective=binary:logistic --promote >/dev/null
# /similar: the diamonds pipeline's question, as bench/serve.sh asks it.
"$out/modelserve" generate diamonds --out "$out" >/dev/null
"$out/modelserve" load "$out/diamonds.csv" --table diamonds --replace >/dev/null
"$out/modelserve" train --spec bench/serve/gems.yaml --promote >/dev/null
similar_body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/serve/similar.lua)

send() {  # count connections path body: identical requests, each connection one at a time, answers read whole
    python3 - "$port" "$@" <<'PY'
import socket, sys, threading
port, count, connections, path, body = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
body = body.encode()
request = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
failures = []
def client(requests):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        buffer = b""
        for _ in range(requests):
            s.sendall(request)
            while b"\r\n\r\n" not in buffer:
                buffer += s.recv(65536)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
            while len(buffer) < length:
                buffer += s.recv(65536)
            status = head.split(b" ")[1]
            assert status == b"200", head
            buffer = buffer[length:]
        s.close()
    except Exception as error:  # reported below: a thread's exception would not stop the script
        failures.append(repr(error))
threads = [threading.Thread(target=client, args=(count // connections + (1 if k < count % connections else 0),))
           for k in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
assert not failures, failures[:3]
PY
}

cleanup=""
measure() {  # label model backend [path body connections]
    local label=$1 model=$2 backend=$3 path=${4:-/predict} request=${5:-$body} connections=${6:-1}
    [[ $wanted == *" $label "* ]] || return 0
    mkdir -p "$out/$label"
    say "$label: serve under callgrind (one event loop), $warmup warm-up then $measured measured requests ($connections connection(s), $path)"
    port=$(free_port)
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --separate-threads=yes ${CALLGRIND_EXTRA:-} --callgrind-out-file="$out/$label/callgrind.%p" \
        "$out/modelserve" serve --port "$port" --threads 1 --journal "$out/$label/journal" --model "$model" \
        >"$out/$label/serve.log" 2>&1 &
    serve=$!
    # shellcheck disable=SC2064
    trap "kill $serve 2>/dev/null || true; $cleanup" EXIT
    for _ in $(seq 1 600); do
        if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null; then break; fi
        sleep 0.2
    done
    send "$warmup" "$connections" "$path" "$request"
    callgrind_control --zero "$serve" >/dev/null
    send "$measured" "$connections" "$path" "$request"
    callgrind_control --dump "$serve" >/dev/null
    kill -TERM "$serve"
    wait "$serve" 2>/dev/null || true
    # shellcheck disable=SC2064
    trap "$cleanup" EXIT

    # The dump: one file per thread (name.PID.1-TID); which thread is which, from its functions.
    python3 - "$out/$label" "$measured" "$label" "$backend" "$connections" "$path" <<'PY'
import glob, os, re, subprocess, sys
out, measured, label, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
connections, path = int(sys.argv[5]), sys.argv[6]
files = sorted(f for f in glob.glob(f"{out}/callgrind.*") if re.search(r"\.1-\d+$", f))
rows = []
for f in files:
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                          capture_output=True, text=True).stdout
    total = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text)
    total = int(total.group(1).replace(",", "")) if total else 0
    if "EventLoop" in text and "run" in text and re.search(r"EventLoop\w*run", text):
        role = "event loop"
    elif "writerLoop" in text:
        role = "request log writer"
    else:
        role = "other (" + os.path.basename(f).split("-")[-1] + ")"
    functions = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+\S*?:(.*?)(?: \[.*\])?$", line)
        if m:
            functions.append((int(m.group(1).replace(",", "")), m.group(3).strip()))
    rows.append((role, total, functions, f))
order = {"event loop": 0, "request log writer": 1}

def inside_database_library(path):
    """Instructions the thread spent inside libsqlite3 or libpq: each call from outside the
    library into it, counted inclusively (calls within the library are in their caller)."""
    text = subprocess.run(["callgrind_annotate", "--tree=calling", "--inclusive=yes", "--threshold=100", path],
                          capture_output=True, text=True).stdout
    library = re.compile(r"\[[^]]*lib(sqlite3|pq)\.so[^]]*\]")
    outside = False
    spent = 0
    for line in text.splitlines():
        caller = re.match(r"\s*[\d,]+ \(\s*[\d.]+%\)\s+\*\s+(.*)$", line)
        if caller:
            outside = not library.search(caller.group(1))
            continue
        callee = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+>\s+(.*)$", line)
        if callee and outside and library.search(callee.group(2)):
            spent += int(callee.group(1).replace(",", ""))
    return spent
rows.sort(key=lambda r: (order.get(r[0], 2), -r[1]))
where = "one keep-alive connection" if connections == 1 else f"{connections} keep-alive connections at once"
print(f"\nInstructions per {path}, {label} ({measured:,} measured, {where}, {backend}, --log-durability process)\n")
print(f"| {'thread':<28} | {'instructions / request':>22} |")
print(f"|{'-' * 30}|{'-' * 24}|")
for role, total, _, _ in rows:
    if total / measured >= 1:
        print(f"| {role:<28} | {total / measured:>22,.0f} |")
print(f"| {'all threads':<28} | {sum(r[1] for r in rows) / measured:>22,.0f} |")
for role, total, _, path in rows:
    if role == "request log writer":
        library = "libpq" if backend == "Postgres" else "libsqlite3"
        print(f"\nOf the request log writer's, inside {library}: {inside_database_library(path) / measured:,.0f} "
              "a request (its calls from our code, inclusive)")
def demangle(names):
    try:
        result = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                                capture_output=True, text=True).stdout.splitlines()
        return result if len(result) == len(names) else names
    except OSError:
        return names
for role, total, functions, _ in rows:
    if role not in order:
        continue
    top = [f for f in functions if f[0] < total][:12]
    names = demangle([name for _, name in top])
    print(f"\nTop inclusive functions, {role} (per request):")
    for (count, _), name in zip(top, names):
        print(f"  {count / measured:>10,.0f}  {name[:110]}")
PY
}

measure logistic bench SQLite
measure named bench SQLite /predict "{\"model\": \"bench\", ${body#\{}"
measure gbdt bench_gbdt SQLite
measure similar gems SQLite /similar "$similar_body"
measure saturated bench SQLite /predict "$body" 32

[[ $wanted == *" logistic-postgres "* ]] || exit 0
say "the same logistic model with the log in Postgres"
start_throwaway_postgres
# shellcheck disable=SC2064
cleanup="as_pg '$MODELSERVE_TEST_PGBIN/pg_ctl' -D '$MODELSERVE_TEST_PGDATA' -m immediate stop >/dev/null 2>&1 || true; rm -rf '$PG_DIR'"
export DATABASE_URL="$MODELSERVE_TEST_POSTGRES_URL"
"$out/modelserve" load "$out/data.csv" --table bench_data >/dev/null
"$out/modelserve" train --name bench --kind logistic --query "SELECT * FROM bench_data" --target y --promote >/dev/null
measure logistic-postgres bench Postgres
