import TestSupport
import Testing

@testable import Storage

@Suite("Placeholder rewriting for Postgres")
struct PlaceholderRewriterTests {
    @Test("question marks become numbered parameters in order")
    func numbers() {
        let (sql, count) = PlaceholderRewriter.postgres("SELECT * FROM t WHERE a = ? AND b IN (?, ?)")
        #expect(sql == "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)")
        #expect(count == 3)
    }

    @Test("literals, identifiers, comments and dollar quotes are left alone")
    func skipsQuotedText() {
        let input = """
            SELECT 'a?''b?', "col?", E'x\\'?', $$ ? $$, $tag$ ? $tag$, ? -- c?
            /* block ? */ FROM t WHERE x = ?
            """
        let (sql, count) = PlaceholderRewriter.postgres(input)
        #expect(count == 2)
        #expect(sql.contains("'a?''b?'"))
        #expect(sql.contains("\"col?\""))
        #expect(sql.contains("$$ ? $$"))
        #expect(sql.contains("$tag$ ? $tag$"))
        #expect(sql.contains(", $1 -- c?"))
        #expect(sql.hasSuffix("x = $2"))
    }
}
