import API
import ArgumentParser
@preconcurrency import Glibc
import HTTPServer
import Learning
import Registry
import Storage

/// Output for people: results on stdout, notes and errors on stderr, progress only on a TTY.
enum Console {
    static func out(_ line: String) {
        fputs(line + "\n", stdout)
        fflush(stdout)
    }

    static func err(_ line: String) {
        fputs(line + "\n", stderr)
    }

    /// Runs a command body, turning our errors into one clear line and exit code 1.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as any UserFacingError {
            err("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}

/// Errors whose description is written for the person at the terminal; anything else is a
/// bug and keeps Swift's own report.
protocol UserFacingError: Error, CustomStringConvertible {}

extension DatabaseError: UserFacingError {}
extension CSVError: UserFacingError {}
extension ParquetError: UserFacingError {}
extension SpecError: UserFacingError {}
extension LearningError: UserFacingError {}
extension ServerError: UserFacingError {}
extension RegistryError: UserFacingError {}
extension JournalError: UserFacingError {}

/// A single status line rewritten in place on a terminal, at most a few times a second;
/// silent when stderr is not a terminal (logs and pipes get the final summary only).
final class ProgressLine {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastDraw = 0.0
    private let started = ProgressLine.now()
    private var drawn = false

    func update(_ text: String) {
        guard enabled else { return }
        let now = Self.now()
        guard now - lastDraw >= 0.2 else { return }
        lastDraw = now
        fputs("\r\u{1B}[K" + text + String(format: " (%.1f s)", now - started), stderr)
        drawn = true
    }

    func finish() {
        if drawn { fputs("\r\u{1B}[K", stderr) }
        drawn = false
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
