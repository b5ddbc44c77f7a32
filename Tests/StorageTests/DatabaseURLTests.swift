import Storage
import TestSupport
import Testing

@Suite("Database URLs")
struct DatabaseURLTests {
    @Test("a full Postgres URL is split into libpq parameters")
    func fullPostgresURL() throws {
        let url = try DatabaseURL(
            parsing: "postgresql://ann%40corp:p%3Ass@db.example:6543/sales?sslmode=require&connect_timeout=3")
        guard case .postgres(let config) = url else { Issue.record("not postgres"); return }
        #expect(config.host == "db.example")
        #expect(config.port == 6543)
        #expect(config.user == "ann@corp")
        #expect(config.password == "p:ss")
        #expect(config.database == "sales")
        #expect(config.options.map(\.key) == ["sslmode", "connect_timeout"])
        #expect(config.options.map(\.value) == ["require", "3"])
    }

    @Test("defaults: localhost, 5432, no user")
    func postgresDefaults() throws {
        guard case .postgres(let config) = try DatabaseURL(parsing: "postgres:///analytics") else {
            Issue.record("not postgres"); return
        }
        #expect(config.host == "localhost")
        #expect(config.port == 5432)
        #expect(config.user == nil)
        #expect(config.database == "analytics")
    }

    @Test("IPv6 hosts in brackets")
    func ipv6Host() throws {
        guard case .postgres(let config) = try DatabaseURL(parsing: "postgres://u@[::1]:5433/db") else {
            Issue.record("not postgres"); return
        }
        #expect(config.host == "::1")
        #expect(config.port == 5433)
        #expect(config.description == "postgres://u@[::1]:5433/db")
    }

    @Test("the password never appears when printed")
    func passwordIsMasked() throws {
        let url = try DatabaseURL(parsing: "postgres://admin:hunter2@localhost/db")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description == "postgres://admin:***@localhost:5432/db")
        guard case .postgres(let config) = url else {
            Issue.record("a postgres:// URL did not parse as Postgres: \(url)")
            return
        }
        #expect(!config.endpoint.contains("hunter2"))
    }

    @Test("SQLite relative, absolute and in-memory paths")
    func sqlitePaths() throws {
        #expect(try DatabaseURL(parsing: "sqlite:data/app.sqlite") == .sqlite(path: "data/app.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:///var/lib/app.sqlite") == .sqlite(path: "/var/lib/app.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:/tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try DatabaseURL(parsing: DatabaseURL.defaultURL) == .sqlite(path: "modelserve.sqlite"))
    }

    @Test(
        "bad URLs are refused with a message that says what to write",
        arguments: [
            ("mysql://localhost/db", "unsupported database URL scheme 'mysql'"),
            ("sqlite:", "has no file path"),
            ("postgres://localhost:99999/db", "invalid port '99999'"),
            ("postgres://localhost:abc/db", "invalid port 'abc'"),
        ])
    func badURLs(text: String, message: String) {
        let error = #expect(throws: DatabaseError.self) { try DatabaseURL(parsing: text) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
