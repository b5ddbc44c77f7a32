"""Starts a command and reports milliseconds until POST /predict answers 200, plus its pid."""
import json, socket, subprocess, sys, time

port, body = int(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
log = open("bench/out/serve-output.log", "w")
proc = subprocess.Popen(sys.argv[3:], stdout=log, stderr=log)
request = (f"POST /predict HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
while time.perf_counter() - start < 30:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(request)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                print(json.dumps({"ms": (time.perf_counter() - start) * 1000, "pid": proc.pid}))
                sys.exit(0)
    except OSError:
        time.sleep(0.002)
print(json.dumps({"ms": None, "pid": proc.pid}))
