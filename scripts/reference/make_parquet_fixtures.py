"""Parquet fixtures for Tests/StorageTests/ParquetLoaderTests, written by pyarrow and
fastparquet (pinned in requirements.txt), and what pyarrow reads back from each: the
loader's expected tables. Run by scripts/regenerate-fixtures.sh."""
import datetime as dt
import decimal
import json
import pathlib

import fastparquet
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/StorageTests/Fixtures/parquet"
OUT.mkdir(parents=True, exist_ok=True)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
rng = np.random.default_rng(7)


def with_nulls(values, every):
    return [None if i % every == every - 1 else v for i, v in enumerate(values)]


def typed_table(n=60):
    ids = list(range(n))
    base = dt.datetime(2024, 3, 1, 12, 30, 15, 123456)
    words = ["alpha", "beta", "gamma", "δέλτα", "tab\there", "line\nbreak", "back\\slash", "", "ü"]
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "flag": pa.array(with_nulls([i % 3 == 0 for i in ids], 7), pa.bool_()),
        "small": pa.array([i - 30 for i in ids], pa.int32()),
        "tiny": pa.array([i % 100 for i in ids], pa.int8()),
        "unsigned": pa.array([4_000_000_000 - i for i in ids], pa.uint32()),
        "big": pa.array(with_nulls([i * 10_000_000_019 - 7 for i in ids], 5), pa.int64()),
        "ratio": pa.array([float(np.float32(i / 7)) for i in ids], pa.float32()),
        "score": pa.array(with_nulls([i * 1.25 - 3.5 for i in ids], 4), pa.float64()),
        "label": pa.array(with_nulls([words[i % len(words)] for i in ids], 6), pa.string()),
        "day": pa.array(with_nulls([dt.date(2020, 1, 1) + dt.timedelta(days=37 * i) for i in ids], 8), pa.date32()),
        "at_ms": pa.array([base + dt.timedelta(milliseconds=1_001 * i) for i in ids], pa.timestamp("ms")),
        "at_us": pa.array([base + dt.timedelta(microseconds=999_999 * i) for i in ids], pa.timestamp("us", tz="UTC")),
        "at_ns": pa.array([base + dt.timedelta(seconds=3_600 * i) for i in ids], pa.timestamp("ns")),
        "price": pa.array(with_nulls([decimal.Decimal(i * 137 - 2_000) / 100 for i in ids], 9), pa.decimal128(10, 2)),
        "wide": pa.array([decimal.Decimal(i * 1_000_003) / 1_000 for i in ids], pa.decimal128(30, 3)),
        "raw": pa.array(with_nulls([bytes([i, 255 - i, 0]) + b"x" * (i % 5) for i in ids], 10), pa.binary()),
        "fixed": pa.array([bytes([i, 0, 255, i ^ 0x5A]) for i in ids], pa.binary(4)),
    })


def expected(path, **read_options):
    table = pq.read_table(path, **read_options)
    def plain(value):
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
            return {"seconds": (value - EPOCH).total_seconds()}
        if isinstance(value, dt.date):
            return {"seconds": (dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc) - EPOCH).total_seconds()}
        if isinstance(value, decimal.Decimal):
            return float(value)
        if isinstance(value, bytes):
            return {"hex": value.hex()}
        if isinstance(value, pd.Timestamp):
            return plain(value.to_pydatetime())
        return value
    def kind(t):
        if pa.types.is_boolean(t): return "boolean"
        if pa.types.is_integer(t): return "integer"
        if pa.types.is_floating(t) or pa.types.is_decimal(t): return "double"
        if pa.types.is_timestamp(t) or pa.types.is_date(t): return "timestamp"
        if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t): return "bytes"
        return "text"
    columns = [{"name": f.name, "type": kind(f.type)} for f in table.schema if read_options.get("keep_index", True) or not f.name.startswith("__index_level_")]
    names = [c["name"] for c in columns]
    rows = [[plain(row[name]) for name in names] for row in table.to_pylist()]
    return {"columns": columns, "rows": rows}


cases = {}

def write(name, table, **options):
    path = OUT / name
    pq.write_table(table, path, **options)
    cases[name] = expected(path)

table = typed_table()
for codec in ["none", "snappy", "gzip", "zstd"]:
    for version in ["1.0", "2.0"]:
        write(f"types-{codec}-v{version[0]}.parquet", table, compression=codec, data_page_version=version)

# A high-cardinality string column whose dictionary fills up: pyarrow falls back to PLAIN
# mid-chunk, and small pages make several of each.
strings = pa.table({
    "id": pa.array(range(3_000), pa.int64()),
    "code": pa.array([f"code-{(i * 7919) % 100_003:06d}-{'x' * (i % 13)}" for i in range(3_000)]),
    "group": pa.array([f"g{i % 4}" for i in range(3_000)]),
})
write("dictionary-fallback.parquet", strings, dictionary_pagesize_limit=4_096, data_page_size=2_048,
      compression="snappy")

# The v2 writers' encodings, asked for column by column.
n = 700
encoded = pa.table({
    "id": pa.array(range(n), pa.int64()),
    "delta32": pa.array([(i * 37) % 1_000 - 500 for i in range(n)], pa.int32()),
    "delta64": pa.array(with_nulls([i * i * 1_000_003 - 10**12 for i in range(n)], 11), pa.int64()),
    "lengths": pa.array(with_nulls([("ab" * (i % 9)) + str(i) for i in range(n)], 10)),
    "prefixed": pa.array([f"customer/{i // 10:05d}/order/{i}" for i in range(n)]),
    "split32": pa.array([float(np.float32(np.sin(i))) for i in range(n)], pa.float32()),
    "split64": pa.array(with_nulls([np.cos(i) * 1e6 for i in range(n)], 13), pa.float64()),
})
write("encodings-v2.parquet", encoded, use_dictionary=False, data_page_version="2.0", compression="zstd",
      column_encoding={"delta32": "DELTA_BINARY_PACKED", "delta64": "DELTA_BINARY_PACKED",
                       "lengths": "DELTA_LENGTH_BYTE_ARRAY", "prefixed": "DELTA_BYTE_ARRAY",
                       "split32": "BYTE_STREAM_SPLIT", "split64": "BYTE_STREAM_SPLIT"})

# Spark's default timestamps.
write("int96.parquet", pa.table({
    "id": pa.array(range(5), pa.int64()),
    "at": pa.array([dt.datetime(1999, 12, 31, 23, 59, 59), dt.datetime(2024, 2, 29, 0, 0, 0, 500_000), None,
                    dt.datetime(1950, 6, 1, 1, 2, 3), dt.datetime(2038, 1, 19, 3, 14, 8)], pa.timestamp("us")),
}), use_deprecated_int96_timestamps=True)

# Several row groups.
write("row-groups.parquet", pa.table({
    "id": pa.array(range(1_000), pa.int64()),
    "value": pa.array(with_nulls([i / 3 for i in range(1_000)], 17)),
}), row_group_size=128)

# pandas writes its index as a column when it is not a plain range.
frame = pd.DataFrame({"id": range(6), "name": list("abcdef"), "x": [0.5 * i for i in range(6)]}).iloc[[5, 1, 3, 0, 2, 4]]
frame.to_parquet(OUT / "pandas-index.parquet", engine="pyarrow")
cases["pandas-index.parquet"] = expected(OUT / "pandas-index.parquet")

# A second writer.
fast = pd.DataFrame({
    "id": np.arange(40, dtype="int64"),
    "amount": [None if i % 6 == 0 else i * 2.5 for i in range(40)],
    "city": [["Lisboa", "Porto", None, "Faro"][i % 4] for i in range(40)],
    "count": np.arange(40, dtype="int32") * 3,
})
fastparquet.write(str(OUT / "fastparquet.parquet"), fast, compression="GZIP", write_index=False)
cases["fastparquet.parquet"] = expected(OUT / "fastparquet.parquet")

# Files the loader refuses, each with a clear error (no expected rows).
pq.write_table(pa.table({"id": [1, 2], "tags": pa.array([[1, 2], [3]], pa.list_(pa.int64()))}), OUT / "refused-nested.parquet")
pq.write_table(pa.table({"id": [1, 2]}), OUT / "refused-brotli.parquet", compression="brotli")

(OUT / "expected.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
print(f"wrote {len(cases)} fixtures to {OUT}")
