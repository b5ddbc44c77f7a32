/// Turns the portable `?` placeholders into Postgres' `$1, $2, ...`.
///
/// Skips `?` inside string literals ('...', E'...'), quoted identifiers ("..."),
/// dollar-quoted bodies ($tag$...$tag$) and comments, so that only real placeholders change.
enum PlaceholderRewriter {
    static func postgres(_ sql: String) -> (sql: String, count: Int) {
        let bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "?")) else { return (sql, 0) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var count = 0
        var i = 0
        let n = bytes.count
        func copy(until end: Int) {
            out.append(contentsOf: bytes[i..<end])
            i = end
        }
        while i < n {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // Quoted: ends at the next unescaped quote; a doubled quote is an escape.
                var j = i + 1
                while j < n {
                    if bytes[j] == b {
                        if j + 1 < n && bytes[j + 1] == b { j += 2; continue }
                        break
                    }
                    if b == UInt8(ascii: "'") && bytes[j] == UInt8(ascii: "\\") && i > 0
                        && (bytes[i - 1] == UInt8(ascii: "E") || bytes[i - 1] == UInt8(ascii: "e"))
                    {
                        j += 2
                        continue
                    }
                    j += 1
                }
                copy(until: min(n, j + 1))
            case UInt8(ascii: "-") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "-"):
                var j = i + 2
                while j < n && bytes[j] != UInt8(ascii: "\n") { j += 1 }
                copy(until: j)
            case UInt8(ascii: "/") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "*"):
                var j = i + 2
                while j + 1 < n && !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                copy(until: min(n, j + 2))
            case UInt8(ascii: "$"):
                // $tag$ ... $tag$ (tag may be empty); $1 style parameters pass through.
                var j = i + 1
                while j < n && (bytes[j] == UInt8(ascii: "_") || isLetter(bytes[j]) || (j > i + 1 && isDigit(bytes[j])))
                { j += 1 }
                if j < n && bytes[j] == UInt8(ascii: "$") {
                    let tag = Array(bytes[i...j])
                    var k = j + 1
                    var end = n
                    while k + tag.count <= n {
                        if Array(bytes[k..<(k + tag.count)]) == tag {
                            end = k + tag.count
                            break
                        }
                        k += 1
                    }
                    copy(until: end)
                } else {
                    copy(until: i + 1)
                }
            case UInt8(ascii: "?"):
                count += 1
                out.append(contentsOf: Array("$\(count)".utf8))
                i += 1
            default:
                out.append(b)
                i += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), count)
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
}
