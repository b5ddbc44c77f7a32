/// A training query checked to be one read-only statement: `SELECT`, `WITH ... SELECT`,
/// `VALUES` or `TABLE`, with no second statement and no call of a function that reaches
/// the server's files, processes or sessions.
///
/// A small lexer skips what cannot hold a statement boundary or a call (comments, nested
/// block comments, string literals with either escaping, quoted identifiers, dollar
/// quotes), so `';'` in a string is no second statement and `-- pg_sleep(` no call. The
/// database then runs the query as a subquery of a read-only transaction with a statement
/// timeout (`Database.withReadOnlyConnection`): the lexer refuses early and clearly, the
/// database enforces. The real boundary in production is a least-privileged role (README).
public struct TrainingQuery: Sendable, Equatable {
    /// The query as given, without a trailing semicolon.
    public let text: String

    /// Functions refused in a training query: they read or write server files, run
    /// programs, signal other sessions, sleep, or change server state.
    static let refusedFunctions: Set<String> = [
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir",
        "pg_ls_tmpdir", "pg_ls_archive_statusdir", "lo_import", "lo_export", "lo_from_bytea", "lo_put", "lo_get",
        "lo_open", "loread", "lowrite", "lo_creat", "lo_create",
        "lo_unlink", "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_terminate_backend",
        "pg_cancel_backend", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_reload_conf", "pg_rotate_logfile",
        "pg_promote", "pg_switch_wal", "pg_create_restore_point", "set_config", "pg_advisory_lock",
        "pg_advisory_xact_lock", "pg_try_advisory_lock", "pg_notify", "dblink", "dblink_exec", "dblink_connect",
        "query_to_xml", "query_to_xml_and_xmlschema", "table_to_xml", "cursor_to_xml", "load_extension",
        "readfile", "writefile", "edit", "fts3_tokenizer",
    ]

    static let leadingKeywords: Set<String> = ["select", "with", "values", "table"]

    public init(validating sql: String) throws {
        let bytes = Array(sql.utf8)
        var words: [(word: String, offset: Int)] = []
        var end: Int?
        var i = 0
        func fail(_ message: String) -> DatabaseError {
            DatabaseError(.statement, message: "training query: \(message)")
        }
        while i < bytes.count {
            let b = bytes[i]
            if end != nil && !Self.isSpace(b) && !(b == 45 && i + 1 < bytes.count && bytes[i + 1] == 45)
                && !(b == 47 && i + 1 < bytes.count && bytes[i + 1] == 42)
            {
                throw fail("only one statement is allowed; found more after the ';' at byte \(end!)")
            }
            switch b {
            case 45 where i + 1 < bytes.count && bytes[i + 1] == 45:  // -- comment
                while i < bytes.count && bytes[i] != 10 { i += 1 }
            case 47 where i + 1 < bytes.count && bytes[i + 1] == 42:  // /* comment */, nested as in Postgres
                var depth = 0
                repeat {
                    if i + 1 < bytes.count && bytes[i] == 47 && bytes[i + 1] == 42 {
                        depth += 1
                        i += 2
                    } else if i + 1 < bytes.count && bytes[i] == 42 && bytes[i + 1] == 47 {
                        depth -= 1
                        i += 2
                    } else if i < bytes.count {
                        i += 1
                    } else {
                        throw fail("unterminated /* comment")
                    }
                } while depth > 0
            case 39:  // 'string'; E'...' strings also take backslash escapes
                let escapes = i > 0 && (bytes[i - 1] | 0x20) == 101 && (i < 2 || !Self.isWord(bytes[i - 2]))
                i += 1
                while true {
                    guard i < bytes.count else { throw fail("unterminated string literal") }
                    if escapes && bytes[i] == 92 {
                        i += 2
                        continue
                    }
                    if bytes[i] == 39 {
                        if i + 1 < bytes.count && bytes[i + 1] == 39 {
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
                i += 1
            case 34, 96, 91:  // "identifier", `identifier`, [identifier]
                let close: UInt8 = b == 91 ? 93 : b
                i += 1
                while true {
                    guard i < bytes.count else { throw fail("unterminated quoted identifier") }
                    if bytes[i] == close {
                        if close != 93 && i + 1 < bytes.count && bytes[i + 1] == close {
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
                i += 1
            case 36 where i == 0 || !Self.isWord(bytes[i - 1]):  // $tag$ ... $tag$ (not $1, a parameter)
                var j = i + 1
                while j < bytes.count && Self.isWord(bytes[j]) && !(bytes[j] >= 48 && bytes[j] <= 57 && j == i + 1) {
                    j += 1
                }
                guard j < bytes.count, bytes[j] == 36 else {
                    i += 1
                    continue
                }
                let tag = Array(bytes[i...j])
                var k = j + 1
                while k + tag.count <= bytes.count && !bytes[k..<(k + tag.count)].elementsEqual(tag) { k += 1 }
                guard k + tag.count <= bytes.count else { throw fail("unterminated dollar-quoted string") }
                i = k + tag.count
            case 59:  // ;
                end = i
                i += 1
            default:
                if Self.isWord(b) {
                    let start = i
                    while i < bytes.count && Self.isWord(bytes[i]) { i += 1 }
                    words.append((String(decoding: bytes[start..<i], as: UTF8.self).lowercased(), start))
                } else {
                    i += 1
                }
            }
        }
        guard let first = words.first?.word else { throw fail("the query is empty") }
        guard Self.leadingKeywords.contains(first) else {
            throw fail("must be one SELECT, WITH ... SELECT, VALUES or TABLE statement; it starts with \(first.uppercased())")
        }
        for (word, offset) in words where Self.refusedFunctions.contains(word) {
            var k = offset + word.utf8.count
            while k < bytes.count && Self.isSpace(bytes[k]) { k += 1 }
            if k < bytes.count && bytes[k] == 40 {
                throw fail("\(word)() is not allowed: it reaches the server's files, processes or sessions")
            }
        }
        text = end.map { String(decoding: bytes[..<$0], as: UTF8.self) } ?? sql
    }

    /// The query as a subquery, so nothing can follow it.
    public var wrapped: String { "SELECT * FROM (\n\(text)\n) AS training_query" }

    private static func isSpace(_ b: UInt8) -> Bool { b == 32 || (9...13).contains(b) }
    private static func isWord(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 95 || b >= 128
    }
}
