#!/usr/bin/env bash
# Benchmark: online learning from a paginated HTTP source. Generates ROWS promotion rows,
# serves them with modelserve serve --data-table (pages of 10 and of 1,000, on loopback) and
# runs modelserve ingest over pipelines/promotion-online.yaml (one SGD classifier and three
# exact OLS, a checkpoint per batch of 1,000 rows in SQLite): rows/s end to end (fetch +
# decode + learn + checkpoint) and the SGD model's learning alone. In the same run, the
# peers on the same rows: River (StandardScaler | LogisticRegression, learn_one) and
# scikit-learn (StandardScaler + SGDClassifier partial_fit on batches of 10).
#
#   bash bench/ingest.sh [ROWS]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

rows=${1:-1000000}
out=bench/out/ingest
mkdir -p "$out"
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev libsnappy-dev libzstd-dev zlib1g-dev

say "building release binary"
swift build -c release --product modelserve 2>&1 | grep -E "error|Compiling|Build" | tail -1
bin="$(swift build -c release --show-bin-path)/modelserve"

venv=bench/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q numpy scikit-learn river

source_db="sqlite:$out/source.sqlite"
if [ ! -f "$out/promotion-$rows.csv" ]; then
    say "generating $rows promotion rows"
    "$bin" generate promotion --rows "$rows" --out "$out" >/dev/null
    mv "$out/promotion.csv" "$out/promotion-$rows.csv"
fi
rm -f "$out"/source.sqlite* "$out"/registry.sqlite* "$out"/*.journal*
"$bin" load "$out/promotion-$rows.csv" --table promotion --index id --database "$source_db" >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
serve_source() {  # page-size port
    "$bin" serve --database "$source_db" --port "$2" --threads 2 --data-table promotion --data-page-size "$1" \
        --journal "$out/source-$1.journal" >"$out/source-$1.log" 2>&1 &
    pids+=($!)
}
p10=$(free_port); serve_source 10 "$p10"
p1000=$(free_port); serve_source 1000 "$p1000"

sed -e 's/register_every: 50/register_every: 1000000/' pipelines/promotion-online.yaml >"$out/spec.yaml"

# ingest LABEL PORT PAGES_PER_BATCH -> the summary line in $out/LABEL.log
ingest() {
    "$bin" ingest --spec "$out/spec.yaml" --source "http://127.0.0.1:$2/api/v1/data" --pages-per-batch "$3" \
        --database "sqlite:$out/registry-$1.sqlite" >"$out/$1.out" 2>"$out/$1.log" \
        || { echo "$1 failed:"; cat "$out/$1.log"; exit 1; }
    grep "^learnt" "$out/$1.log"
}
say "modelserve ingest, pages of 10 (100 pages a batch)"
ingest p10 "$p10" 100
say "modelserve ingest, pages of 1,000 (1 page a batch)"
ingest p1000 "$p1000" 1

say "peers on the same rows: River learn_one, scikit-learn partial_fit on batches of 10"
"$venv/bin/python" - "$out/promotion-$rows.csv" >"$out/peers.txt" <<'PY'
import csv, sys, time
import numpy as np
from river import compose, linear_model, preprocessing
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

rows = []
with open(sys.argv[1]) as f:
    for r in csv.DictReader(f):
        rows.append(({"network_ability": float(r["network_ability"]), "competence": float(r["competence"])},
                     r["promoted"] == "true"))
model = compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression())
start = time.perf_counter()
for x, y in rows:
    model.learn_one(x, y)
river = len(rows) / (time.perf_counter() - start)
X = np.array([[x["network_ability"], x["competence"]] for x, _ in rows])
Y = np.array([y for _, y in rows], dtype=float)
n = min(len(rows), 200_000)
scaler, sgd = StandardScaler(), SGDClassifier(loss="log_loss", shuffle=False)
start = time.perf_counter()
for a in range(0, n, 10):
    batch = X[a:a + 10]
    scaler.partial_fit(batch)
    sgd.partial_fit(scaler.transform(batch), Y[a:a + 10], classes=[0.0, 1.0])
sklearn = n / (time.perf_counter() - start)
print(f"{river:.0f} {sklearn:.0f}")
PY
read -r river sklearn <"$out/peers.txt"

# rows/s end to end and the SGD model's learning alone, from the summary lines.
parse() {  # label -> "end_to_end sgd_alone"
    python3 - "$out/$1.log" <<'PY'
import re, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("learnt"))
rows = int(re.search(r"learnt ([\d,]+) rows", line).group(1).replace(",", ""))
total = float(re.search(r"rows in ([\d.]+) s", line).group(1))
sgd = float(re.search(r"promotion-sgd ([\d.]+)", line).group(1))
print(f"{rows / total:.0f} {rows / sgd:.0f}")
PY
}
read -r e2e10 alone10 < <(parse p10)
read -r e2e1000 alone1000 < <(parse p1000)
ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
printf '\n%-58s %12s %10s\n' "online learning, $rows rows" "rows/s" "vs River"
printf '%-58s %12s %10s\n' "modelserve ingest, pages of 10, end to end (4 models)" "$e2e10" "$(ratio "$e2e10" "$river")"
printf '%-58s %12s %10s\n' "modelserve ingest, pages of 1,000, end to end (4 models)" "$e2e1000" "$(ratio "$e2e1000" "$river")"
printf '%-58s %12s %10s\n' "modelserve online_logistic learning alone" "$alone1000" "$(ratio "$alone1000" "$river")"
printf '%-58s %12s %10s\n' "River StandardScaler | LogisticRegression learn_one" "$river" "1.0x"
printf '%-58s %12s %10s\n' "scikit-learn StandardScaler + SGD partial_fit, batches of 10" "$sklearn" "$(ratio "$sklearn" "$river")"
echo
grep "^learnt" "$out/p10.log" "$out/p1000.log" | sed "s|$out/||"
