"""Mutation fuzzing of a running modelserve over real sockets.

Takes valid requests (predict in both shapes, assign, train, chunked bodies with trailers,
pipelined pairs, registry reads), mutates them (bit flips, NUL and 0xFF bytes, truncation,
repeated or dropped lines, huge lengths, bad chunk sizes, long trailers, duplicate keys and
headers) and sends each on a new connection, closing the write side so a cut-short request
ends. Fails on a 500, on a connection that neither answers nor closes within the timeout,
and on a server that stops answering /health. Prints counts by status.

    python3 bench/fuzz/http_fuzz.py PORT TOKEN [CASES] [SEED]
"""
import collections
import random
import socket
import sys
import time

port, token = int(sys.argv[1]), sys.argv[2]
cases = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)


def request(method, path, body=b"", headers=()):
    head = f"{method} {path} HTTP/1.1\r\nHost: fuzz\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def chunked(path, parts, trailers=b""):
    head = f"POST {path} HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    body = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts)
    return head + body + b"0\r\n" + trailers + b"\r\n"


row = b'{"features": {"network_ability": 0.5, "competence": -0.2}}'
auth = ("Authorization", f"Bearer {token}")
seeds = [
    request("POST", "/predict", row),
    request("POST", "/predict", b'{"instances": [{"network_ability": 1, "competence": 2}, {"network_ability": 0, "competence": null}]}'),
    request("POST", "/predict", b'{"features": {"network_ability": 1, "competence": 2}, "model": "promotion"}'),
    request("POST", "/models/assign", b'{"model_id": 1}', [auth]),
    request("POST", "/models/train", b'{"name": "fz", "kind": "logistic", "query": "SELECT network_ability, competence, promoted FROM promotion", "target": "promoted"}', [auth]),
    request("GET", "/models"), request("GET", "/models/1"), request("GET", "/models/current"),
    request("GET", "/requests?limit=3", headers=[auth]), request("GET", "/ready"), request("GET", "/metrics"),
    request("GET", "/"), request("GET", "/openapi.json"),
    chunked("/predict", [row[:20], row[20:]], b"X-Trailer: 1\r\n"),
    request("POST", "/predict", row) + request("GET", "/health"),
]


def mutate(data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(12)
        i = rng.randrange(max(1, len(data)))
        if kind == 0 and data:
            data[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data[i:i] = bytes([rng.choice([0, 0xFF, 0x0D, 0x0A, 0x22, 0x7B, 0x2C, 0x80])]) * rng.randint(1, 8)
        elif kind == 2:
            del data[i:]
        elif kind == 3:
            lines = bytes(data).split(b"\r\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
            data = bytearray(b"\r\n".join(lines))
        elif kind == 4:
            lines = bytes(data).split(b"\r\n")
            del lines[rng.randrange(len(lines))]
            data = bytearray(b"\r\n".join(lines))
        elif kind == 5:
            data = bytearray(bytes(data).replace(b"Content-Length: ", b"Content-Length: 9" * rng.randint(1, 3), 1))
        elif kind == 6:
            data = bytearray(bytes(data).replace(b"0\r\n", rng.choice([b"ffffffff\r\n", b"-1\r\n", b"0;x\r\n", b"1\r\n"]), 1))
        elif kind == 7:
            data = bytearray(bytes(data).replace(b"\r\n\r\n", b"\r\nX-T: " + b"t" * rng.choice([100, 20000, 70000]) + b"\r\n\r\n", 1))
        elif kind == 8:
            data = bytearray(bytes(data).replace(b'"competence"', b'"competence": 1, "competence"', 1))
        elif kind == 9:
            data[i:i] = rng.randbytes(rng.randint(1, 64))
        elif kind == 10:
            data = bytearray(bytes(data).replace(b"Host: fuzz", b"Host: fuzz\r\nAuthorization: Bearer x", 1))
        else:
            data = bytearray(bytes(data).replace(b"0.5", rng.choice([b"1e999", b"-0", b"NaN", b"\"x\"", b"[]", b"{}", b"1" * 400]), 1))
    return bytes(data)


def send(data, timeout=15.0):
    """Statuses of the answers, or None if the server neither answered nor closed in time."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading it all
        received = b""
        started = time.monotonic()
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                return None
            if not chunk:
                break
            received += chunk
            if time.monotonic() - started > timeout:
                return None
    return [int(line.split()[1]) for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.1 ") and len(line.split()) > 1 and line.split()[1].isdigit()]


statuses = collections.Counter()
problems = []
started = time.monotonic()
for n in range(cases):
    data = mutate(rng.choice(seeds))
    result = send(data)
    if result is None:
        problems.append(("hang", data[:200]))
    else:
        for status in result:
            statuses[status] += 1
            if status >= 500 and status not in (501, 503, 505):
                problems.append((status, data[:200]))
        if not result:
            statuses["closed"] += 1
    if n % 250 == 249:
        health = send(request("GET", "/health"), timeout=5)
        if health != [200]:
            problems.append(("health", health))
            break
elapsed = time.monotonic() - started
print(f"{cases} mutated requests in {elapsed:.1f} s; answers by status: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
for problem in problems[:10]:
    print("PROBLEM", problem)
print(f"{len(problems)} problems (500s, hangs, health failures)")
sys.exit(1 if problems else 0)
