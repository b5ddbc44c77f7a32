#!/usr/bin/env bash
# Benchmark: CSV and Parquet loading. Generates a 1,000,000-row CSV with 22 numeric columns and loads
# it with modelserve into Postgres and into SQLite; in the same run times the ceilings
# (psql \copy, the sqlite3 shell's .import) and what people use (pandas to_sql, timed on
# 100k rows and scaled). Prints rows/s, ratios and peak RSS.
#
#   bash bench/load.sh [ROWS]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

rows=${1:-1000000}
out=bench/out
mkdir -p "$out"
ensure_packages libsqlite3-dev libpq-dev libcurl4-openssl-dev postgresql sqlite3 time

csv="$out/load-$rows.csv"
if [ ! -f "$csv" ]; then
    say "generating $csv"
    python3 - "$csv" "$rows" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
with open(path, "w") as f:
    f.write("id," + ",".join(f"x{i}" for i in range(1, 21)) + ",y\n")
    for i in range(n):
        xs = [f"{rng.gauss(0, 1):.6f}" for _ in range(20)]
        f.write(f"{i},{','.join(xs)},{rng.random():.6f}\n")
PY
fi
size_mb=$(( $(stat -c %s "$csv") / 1048576 ))

say "building release binary"
swift build -c release --product modelserve 2>&1 | grep -E "error|Compiling|Build" | tail -1
bin="$(swift build -c release --show-bin-path)/modelserve"

start_throwaway_postgres
pg="$MODELSERVE_TEST_POSTGRES_URL"
columns="id BIGINT, $(for i in $(seq 1 20); do printf 'x%d DOUBLE PRECISION, ' "$i"; done)y DOUBLE PRECISION"

# time_cmd LABEL CMD... -> prints "seconds peak_kb" into $out/LABEL.time
time_cmd() {
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@" >"$out/$label.log" 2>&1 \
        || { echo "$label failed:"; cat "$out/$label.log"; exit 1; }
}

say "modelserve load -> Postgres"
"$bin" migrate --database "$pg" >/dev/null
time_cmd ms_pg "$bin" load "$csv" --table bench --replace --database "$pg"

say "psql \\copy -> Postgres"
psql -q "$pg" -c "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ($columns)"
time_cmd copy_pg psql -q "$pg" -c "\\copy bench_copy FROM '$csv' WITH (FORMAT csv, HEADER true)"

say "modelserve load -> SQLite"
rm -f "$out"/bench.sqlite*
time_cmd ms_lite "$bin" load "$csv" --table bench --replace --database "sqlite:$out/bench.sqlite"

say "sqlite3 .import -> SQLite"
rm -f "$out"/import.sqlite*
sqlite3 "$out/import.sqlite" "PRAGMA journal_mode=WAL; CREATE TABLE bench ($columns)" >/dev/null
time_cmd import_lite sqlite3 "$out/import.sqlite" ".import --csv --skip 1 $csv bench"

say "pandas to_sql -> Postgres (100k rows, scaled)"
venv=bench/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q pandas sqlalchemy psycopg2-binary pyarrow
head -n 100001 "$csv" > "$out/pandas.csv"
time_cmd pandas_pg "$venv/bin/python" - "$out/pandas.csv" "${pg/postgres:/postgresql+psycopg2:}" <<'PY'
import sys, time, pandas as pd, sqlalchemy as sa
engine = sa.create_engine(sys.argv[2])
t = time.perf_counter()
pd.read_csv(sys.argv[1]).to_sql("bench_pandas", engine, if_exists="replace", index=False, chunksize=10000)
print(time.perf_counter() - t)
PY

python3 - "$out" "$rows" "$size_mb" <<'PY'
import sys
out, rows, size_mb = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def read(label):
    s, kb = open(f"{out}/{label}.time").read().split()[-2:]
    return float(s), int(kb) / 1024
r = {k: read(k) for k in ["ms_pg", "copy_pg", "ms_lite", "import_lite", "pandas_pg"]}
pandas_rate = 100_000 / float(open(f"{out}/pandas_pg.log").read().split()[-1])
rate = lambda k: rows / r[k][0]
print(f"\nCSV load: {rows:,} rows x 22 numeric columns ({size_mb} MB)\n")
print(f"| {'tool':<30} | {'rows/s':>10} | {'seconds':>8} | {'peak RSS MB':>11} |")
print(f"|{'-'*32}|{'-'*12}|{'-'*10}|{'-'*13}|")
for label, name in [("ms_pg", "modelserve load -> Postgres"), ("copy_pg", "psql \\copy -> Postgres"),
                    ("ms_lite", "modelserve load -> SQLite"), ("import_lite", "sqlite3 .import -> SQLite")]:
    print(f"| {name:<30} | {rate(label):>10,.0f} | {r[label][0]:>8.2f} | {r[label][1]:>11.1f} |")
print(f"| {'pandas to_sql -> Postgres':<30} | {pandas_rate:>10,.0f} | {rows / pandas_rate:>8.2f} | {'(100k scaled)':>13} |")
print()
print(f"modelserve / \\copy   (Postgres): {rate('ms_pg') / rate('copy_pg'):.2f}x   (target >= 0.8x)")
print(f"modelserve / .import (SQLite):   {rate('ms_lite') / rate('import_lite'):.2f}x   (target >= 1.0x)")
print(f"modelserve / pandas  (Postgres): {rate('ms_pg') / pandas_rate:.1f}x")
print(f"peak RSS: {max(r['ms_pg'][1], r['ms_lite'][1]):.1f} MB   (target < 100 MB)")
PY

# Parquet: the same kind of table plus a string column, written by pandas (snappy and gzip),
# loaded into both backends; against psql \copy of the same rows as CSV, modelserve's CSV load
# of them, and pyarrow's single-threaded read (decode only) as the ceiling of decoding.
say "Parquet: generating with pandas"
"$venv/bin/python" - "$out" "$rows" <<'PY'
import sys, numpy as np, pandas as pd
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(42)
frame = pd.DataFrame({"id": np.arange(n)})
for i in range(1, 22):
    frame[f"x{i}"] = rng.normal(size=n).round(6)
frame["y"] = rng.random(n).round(6)
frame["tag"] = np.array(["red", "green", "blue", "amber"])[rng.integers(0, 4, n)]
frame.to_parquet(f"{out}/load.parquet", compression="snappy", index=False)
frame.to_parquet(f"{out}/load-gzip.parquet", compression="gzip", index=False)
frame.to_csv(f"{out}/load-parquet.csv", index=False)
PY
pcolumns="id BIGINT, $(for i in $(seq 1 21); do printf 'x%d DOUBLE PRECISION, ' "$i"; done)y DOUBLE PRECISION, tag TEXT"
time_cmd pq_read "$venv/bin/python" -c "
import time, pyarrow.parquet as pq
t = time.perf_counter(); pq.read_table('$out/load.parquet', use_threads=False); print(time.perf_counter() - t)"
time_cmd pq_check "$bin" load "$out/load.parquet" --table x --dry-run
time_cmd pq_pg "$bin" load "$out/load.parquet" --table pbench --replace --database "$pg"
time_cmd pqz_pg "$bin" load "$out/load-gzip.parquet" --table pbench --replace --database "$pg"
rm -f "$out"/pbench.sqlite*
time_cmd pq_lite "$bin" load "$out/load.parquet" --table pbench --database "sqlite:$out/pbench.sqlite"
time_cmd pcsv_pg "$bin" load "$out/load-parquet.csv" --table pbench --replace --database "$pg"
psql -q "$pg" -c "DROP TABLE IF EXISTS pbench_copy; CREATE TABLE pbench_copy ($pcolumns)"
time_cmd pcopy_pg psql -q "$pg" -c "\\copy pbench_copy FROM '$out/load-parquet.csv' WITH (FORMAT csv, HEADER true)"

python3 - "$out" "$rows" <<'PY'
import sys
out, rows = sys.argv[1], int(sys.argv[2])
def read(label):
    s, kb = open(f"{out}/{label}.time").read().split()[-2:]
    return float(s), int(kb) / 1024
labels = ["pq_pg", "pqz_pg", "pq_lite", "pq_check", "pcsv_pg", "pcopy_pg", "pq_read"]
r = {k: read(k) for k in labels}
r["pq_read"] = (float(open(f"{out}/pq_read.log").read().split()[-1]), r["pq_read"][1])
names = {"pq_pg": "modelserve Parquet (snappy) -> Postgres", "pqz_pg": "modelserve Parquet (gzip) -> Postgres",
         "pq_lite": "modelserve Parquet (snappy) -> SQLite", "pq_check": "modelserve Parquet decode only (--dry-run)",
         "pcsv_pg": "modelserve CSV -> Postgres", "pcopy_pg": "psql \\copy CSV -> Postgres",
         "pq_read": "pyarrow read_table, 1 thread"}
print(f"\nParquet load: {rows:,} rows x 22 numeric + 1 string column\n")
print(f"| {'tool':<44} | {'rows/s':>10} | {'seconds':>8} | {'peak RSS MB':>11} |")
print(f"|{'-'*46}|{'-'*12}|{'-'*10}|{'-'*13}|")
for k in labels:
    print(f"| {names[k]:<44} | {rows / r[k][0]:>10,.0f} | {r[k][0]:>8.2f} | {r[k][1]:>11.1f} |")
print()
print(f"Parquet -> Postgres / psql \\copy of the CSV: {r['pcopy_pg'][0] / r['pq_pg'][0]:.2f}x   (target >= 1.0x)")
print(f"decode only / pyarrow 1 thread:              {r['pq_read'][0] / r['pq_check'][0]:.2f}x   (target >= 0.5x)")
print(f"peak RSS, Parquet -> Postgres:               {r['pq_pg'][1]:.0f} MB (one row group of {rows:,} rows)")
PY
