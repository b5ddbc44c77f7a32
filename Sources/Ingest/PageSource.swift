public import Foundation

/// A paginated HTTP data source: `GET BASE?page=N` from 0, each page a JSON array of up to a
/// page's worth of row objects, `[]` (or, for some servers, a 4xx) past the end. Fetches one
/// page at a time over one kept-alive connection, retrying 5xx answers and network failures
/// with backoff; every page is decoded strictly against the columns the caller needs.
public final class PageSource {
    public struct Settings: Sendable {
        public var connectTimeout = 5.0
        /// Seconds one page may take.
        public var timeout = 15.0
        /// Attempts per page before giving up (the run stays resumable).
        public var attempts = 5
        /// Seconds before the first retry; doubled each time, capped at `maximumBackoff`.
        public var backoff = 0.25
        public var maximumBackoff = 8.0
        /// A 4xx answer counts as the end of the data (after the last full page) rather than
        /// an error: some sources answer 404 past their end.
        public var clientErrorEndsData = true
        /// The largest page body read.
        public var maximumPageBytes = 16 << 20

        public init() {}
    }

    /// One page: its rows, in order, as the caller's columns.
    public struct Page: Sendable {
        public let number: Int
        /// Row values in `columns` order; the target as 0/1 or a number.
        public let rows: [[Double]]
        /// Rows whose `id` (when the page has one) is known: for messages and resume checks.
        public let ids: [Int?]
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let page: Int
        public let message: String
        public var description: String { "page \(page): \(message)" }
    }

    public let base: String
    public let columns: [String]
    public let settings: Settings
    private let curl: CurlEasy
    /// How the source is asked for a page: `?page=N`, or `&page=N` when the base has a query.
    private let separator: String

    public init(base: String, columns: [String], settings: Settings = Settings()) throws {
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil
        else {
            throw Failure(page: 0, message: "the source \(base) is not an http(s) URL")
        }
        self.base = base
        self.columns = columns
        self.settings = settings
        separator = base.contains("?") ? "&" : "?"
        do {
            curl = try CurlEasy(connectTimeout: settings.connectTimeout, timeout: settings.timeout)
        } catch {
            throw Failure(page: 0, message: "\(error)")
        }
    }

    /// Page `n`, or nil past the end of the data. Throws after the retries are spent, or for
    /// a page that does not decode.
    public func page(_ n: Int, sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws -> Page? {
        let url = "\(base)\(separator)page=\(n)"
        var wait = settings.backoff
        var lastProblem = ""
        for attempt in 1...max(1, settings.attempts) {
            do {
                let response = try curl.get(url, limit: settings.maximumPageBytes)
                switch response.status {
                case 200..<300:
                    let page = try decode(response.body, page: n)
                    return page.rows.isEmpty ? nil : page
                case 400..<500 where settings.clientErrorEndsData:
                    return nil
                case 500..<600:
                    lastProblem = "the source answered \(response.status)"
                default:
                    throw Failure(page: n, message: "the source answered \(response.status)")
                }
            } catch let error as CurlEasy.Failure {
                lastProblem = error.description
            }
            if attempt < settings.attempts {
                sleep(wait)
                wait = min(settings.maximumBackoff, wait * 2)
            }
        }
        throw Failure(
            page: n,
            message: "\(lastProblem), \(settings.attempts) times; the run can be resumed once the source is back")
    }

    /// A value in a page: JSONDecoder keeps booleans and numbers apart.
    private enum Value: Decodable {
        case number(Double), bool(Bool), text(String), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let b = try? container.decode(Bool.self) {
                self = .bool(b)
            } else if let n = try? container.decode(Double.self) {
                self = .number(n)
            } else if let s = try? container.decode(String.self) {
                self = .text(s)
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "an array or object")
            }
        }
    }

    /// Strict: a JSON array of objects that each have every column, as a number (a boolean
    /// or 0/1 where the column is a label).
    func decode(_ body: [UInt8], page n: Int) throws -> Page {
        let objects: [[String: Value]]
        do {
            objects = try JSONDecoder().decode([[String: Value]].self, from: Data(body))
        } catch {
            throw Failure(page: n, message: "the page is not a JSON array of objects with plain values")
        }
        var rows: [[Double]] = []
        var ids: [Int?] = []
        rows.reserveCapacity(objects.count)
        for (i, object) in objects.enumerated() {
            var row: [Double] = []
            row.reserveCapacity(columns.count)
            for column in columns {
                switch object[column] {
                case .number(let v)?: row.append(v)
                case .bool(let b)?: row.append(b ? 1 : 0)
                case nil:
                    throw Failure(page: n, message: "row \(i): field \(column) is missing")
                case .null?, .text?:
                    throw Failure(page: n, message: "row \(i): field \(column) must be a number or a boolean")
                }
            }
            rows.append(row)
            if case .number(let id)? = object["id"], id == id.rounded(), abs(id) < 1e15 {
                ids.append(Int(id))
            } else {
                ids.append(nil)
            }
        }
        return Page(number: n, rows: rows, ids: ids)
    }
}
