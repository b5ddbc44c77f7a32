/// A table or column name that is safe to put in SQL text.
///
/// Identifiers cannot be bound as parameters, so every name that comes from outside (a CSV
/// header, a `--table` option, a spec file) passes through here: letters, digits and
/// underscores, starting with a letter or underscore, at most 63 bytes (Postgres' limit),
/// folded to lower case so that the same unquoted SQL works on both backends. It is then
/// always written double-quoted.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(validating raw: String, what: String = "identifier") throws {
        guard !raw.isEmpty else { throw DatabaseError.misuse("empty \(what): a name is required") }
        let bytes = Array(raw.utf8)
        let valid =
            bytes.count <= 63
            && bytes.enumerated().allSatisfy { i, b in
                b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (i > 0 && b >= 48 && b <= 57)
            }
        guard valid else {
            throw DatabaseError.misuse(
                "invalid \(what) '\(raw)': use letters, digits and underscores, starting with a letter or underscore, at most 63 characters"
            )
        }
        self.name = raw.lowercased()
    }

    /// The name double-quoted for SQL text.
    public var quoted: String { "\"\(name)\"" }

    public var description: String { name }
}
