import Foundation
import Synchronization

/// The CSV loader's full-file check, run on its own thread so that it overlaps the insert.
final class BackgroundCheck: Sendable {
    private let result = Mutex<Result<CSVLoader.Inspection, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> CSVLoader.Inspection) {
        let thread = Thread { [self] in
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            finished.signal()
        }
        thread.name = "csv-check"
        thread.start()
    }

    /// The problem found, if the check has finished with one (does not wait).
    var failure: (any Error)? {
        result.withLock { if case .failure(let error) = $0 { error } else { nil } }
    }

    /// Waits for the check and returns its result.
    func wait() throws -> CSVLoader.Inspection {
        finished.wait()
        finished.signal()  // later waits return at once
        return try result.withLock { $0! }.get()
    }
}
