import Foundation
import Glibc
import TestSupport

/// A small HTTP source written in Python's http.server for a test: `script` defines a
/// `Handler(Base)` class (`Base` answers keep-alive HTTP/1.1 without Nagle delays and has
/// `send(status, body)`); it is served on a free port, printed on start, until the test
/// drops it (SIGKILL and reap: nothing it holds outlives the test).
final class PythonSource {
    let process = Process()
    let port: Int

    static let prelude = #"""
        import json, math, random, sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        from urllib.parse import urlparse, parse_qs
        class Base(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            def log_message(self, *args): pass
            def send(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        """#

    static let serve = #"""
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init(script: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.prelude + "\n" + script + "\n" + Self.serve] + arguments
        let output = Pipe()
        process.standardOutput = output
        // Its own pipes: a child holding the test's stderr would keep the runner waiting.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 { line.append(byte) }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            throw TestSetupError("the Python source did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    deinit {
        // Reaped only if it ever ran (a source that failed to start left nothing to reap).
        if killIfStarted(process) {
            var status: Int32 = 0
            waitpid(process.processIdentifier, &status, 0)
        }
    }
}
