import Foundation

/// Where the data lives: parsed from `DATABASE_URL` or `--database`.
///
/// - `postgres://user:password@host:5432/db?sslmode=require&connect_timeout=5`
///   (`postgresql://` too; every query option is passed to libpq as a connection keyword)
/// - `sqlite:relative/path.sqlite`, `sqlite:///absolute/path.sqlite`, `sqlite::memory:`
///
/// `description` never shows the password.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresConfiguration)

    /// The store used when neither `--database` nor `DATABASE_URL` is given.
    public static let defaultURL = "sqlite:modelserve.sqlite"

    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }  // sqlite:///abs -> /abs, sqlite://rel -> rel
            guard !path.isEmpty else {
                throw DatabaseError.misuse("database URL 'sqlite:' has no file path; try sqlite:modelserve.sqlite")
            }
            self = .sqlite(path: path.removingPercentEncoding ?? path)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(try PostgresConfiguration(parsing: trimmed))
        } else {
            let scheme = trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? trimmed
            throw DatabaseError.misuse(
                "unsupported database URL scheme '\(scheme)': use postgres://user@host:5432/db or sqlite:path/to/file.sqlite"
            )
        }
    }

    /// The URL as text that is safe to print: the password is masked.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let config): config.description
        }
    }

    public var dialect: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}

/// The parts of a Postgres URL, ready to hand to libpq as keyword/value pairs.
public struct PostgresConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var database: String?
    /// Other libpq keywords from the query string (`sslmode`, `connect_timeout`, ...), in order.
    public var options: [Option]

    public struct Option: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public init(parsing url: String) throws {
        guard let schemeEnd = url.range(of: "://") else {
            throw DatabaseError.misuse("database URL has no '://'")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hostPort = rest
        user = nil
        password = nil
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = Self.decode(userInfo[..<colon])
                password = Self.decode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = Self.decode(userInfo)
            }
            if user?.isEmpty == true { user = nil }
        }
        host = "localhost"
        port = 5432
        if hostPort.hasPrefix("[") {  // [::1]:5432
            guard let close = hostPort.firstIndex(of: "]") else {
                throw DatabaseError.misuse("database URL has an unclosed '[' in its host")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if hostPort.hasPrefix(":") { port = try Self.port(hostPort.dropFirst()) }
        } else if let colon = hostPort.lastIndex(of: ":") {
            if colon != hostPort.startIndex { host = Self.decode(hostPort[..<colon]) }
            port = try Self.port(hostPort[hostPort.index(after: colon)...])
        } else if !hostPort.isEmpty {
            host = Self.decode(hostPort)
        }
        database = path.isEmpty ? nil : Self.decode(path)
        options = []
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            switch key {
            case "host": host = value
            case "port": port = try Self.port(Substring(value))
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            default: options.append(Option(key: key, value: value))
            }
        }
    }

    public init(host: String, port: Int, user: String?, password: String?, database: String?, options: [Option] = []) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.options = options
    }

    private static func decode(_ s: Substring) -> String {
        String(s).removingPercentEncoding ?? String(s)
    }

    private static func port(_ s: Substring) throws -> Int {
        guard let p = Int(s), (1...65535).contains(p) else {
            throw DatabaseError.misuse("database URL has an invalid port '\(s)' (expected 1-65535)")
        }
        return p
    }

    /// libpq connection keywords and values, password included: for `PQconnectdbParams` only.
    var connectionParameters: [(String, String)] {
        var params: [(String, String)] = [("host", host), ("port", String(port))]
        if let user { params.append(("user", user)) }
        if let password { params.append(("password", password)) }
        if let database { params.append(("dbname", database)) }
        if !options.contains(where: { $0.key == "connect_timeout" }) { params.append(("connect_timeout", "10")) }
        if !options.contains(where: { $0.key == "application_name" }) {
            params.append(("application_name", "modelserve"))
        }
        for option in options { params.append((option.key, option.value)) }
        return params
    }

    /// Where we connect, for messages: `host:port/database as user`, never the password.
    public var endpoint: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "\(hostText):\(port)"
        if let database { text += "/\(database)" }
        if let user { text += " as \(user)" }
        return text
    }

    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://"
        if let user { text += user + (password == nil ? "" : ":***") + "@" }
        text += "\(hostText):\(port)/\(database ?? "")"
        if !options.isEmpty { text += "?" + options.map { "\($0.key)=\($0.value)" }.joined(separator: "&") }
        return text
    }
}
