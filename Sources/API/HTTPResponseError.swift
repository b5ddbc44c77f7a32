import Learning
import Registry
import Storage

/// An error that knows how the API answers it: its status, code and the message a client
/// may read (as Hummingbird's `HTTPResponseError`). Errors that do not conform, and those
/// that return nil, are answered with a 500 whose details only reach the server's log.
///
/// The lower layers know nothing of HTTP, so their errors are given statuses here, one
/// conformance per error type, next to the API's own.
protocol HTTPResponseError: Error {
    /// The answer; `admin` callers may see more (a database's message about their own SQL).
    func apiError(forAdmin admin: Bool) -> APIError?
}

extension APIError: HTTPResponseError {
    func apiError(forAdmin admin: Bool) -> APIError? { self }
}

extension RegistryError: HTTPResponseError {
    func apiError(forAdmin admin: Bool) -> APIError? {
        let status =
            switch code {
            case .notFound: 404
            case .noProduction, .nothingToRollBack, .runMoved, .conflict: 409
            default: 422
            }
        return APIError(status, code.rawValue, message)
    }
}

extension LearningError: HTTPResponseError {
    func apiError(forAdmin admin: Bool) -> APIError? {
        APIError(422, code.rawValue, message, details: details)
    }
}

extension SpecError: HTTPResponseError {
    func apiError(forAdmin admin: Bool) -> APIError? {
        APIError(422, "invalid_spec", description)
    }
}

/// A driver's message names hosts, users and tables: only admins, whose own SQL it is
/// about, see it. An unreachable database is a 503 to retry (its details are logged).
extension DatabaseError: HTTPResponseError {
    func apiError(forAdmin admin: Bool) -> APIError? {
        if kind == .connection {
            return APIError(503, "database_unavailable", "the database is unavailable; retry shortly")
        }
        return admin ? APIError(422, "database_error", message) : nil
    }
}
