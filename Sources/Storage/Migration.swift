/// One schema change: a numbered SQL file from `migrations/`, embedded in the binary.
///
/// Files are `NNNN_name.sql` for both dialects or `NNNN_name.postgres.sql` /
/// `NNNN_name.sqlite.sql` where the types differ. Once applied, a file must never change:
/// its checksum is recorded and checked on every run.
public struct Migration: Sendable, Equatable {
    /// `0001_registry` — the file name without dialect and extension; the order key.
    public let name: String
    public let sql: String
    /// SHA-256 of the SQL text, hex.
    public let checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hex(sql)
    }

    /// The migrations shipped in this binary for one dialect, in order.
    public static func bundled(for dialect: SQLDialect) throws -> [Migration] {
        try select(from: embeddedFiles, for: dialect)
    }

    /// Picks each numbered migration's file for `dialect` from a list of files.
    static func select(from files: [(name: String, sql: String)], for dialect: SQLDialect) throws -> [Migration] {
        var chosen: [String: Migration] = [:]
        var dialectSpecific: Set<String> = []
        for file in files {
            guard file.name.hasSuffix(".sql") else { continue }
            var stem = String(file.name.dropLast(4))
            var fileDialect: SQLDialect?
            for candidate in [SQLDialect.postgres, .sqlite] where stem.hasSuffix("." + candidate.rawValue) {
                fileDialect = candidate
                stem = String(stem.dropLast(candidate.rawValue.count + 1))
            }
            guard let number = stem.split(separator: "_").first, number.count == 4, number.allSatisfy(\.isNumber) else {
                throw DatabaseError(
                    .migration, message: "migration file '\(file.name)' must be named NNNN_description[.dialect].sql")
            }
            if let fileDialect {
                guard fileDialect == dialect else { continue }
                dialectSpecific.insert(stem)
                chosen[stem] = Migration(name: stem, sql: file.sql)
            } else if !dialectSpecific.contains(stem) {
                chosen[stem] = Migration(name: stem, sql: file.sql)
            }
        }
        let sorted = chosen.values.sorted { $0.name < $1.name }
        var seenNumbers: Set<Substring> = []
        for migration in sorted {
            let number = migration.name.prefix(4)
            guard seenNumbers.insert(number).inserted else {
                throw DatabaseError(.migration, message: "two migrations share the number \(number)")
            }
        }
        return sorted
    }
}
