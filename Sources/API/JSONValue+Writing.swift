extension JSONWriter {
    /// A whole JSON value, members in their order.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): self.value(b)
        case .number(let n): self.value(n)
        case .string(let s): self.value(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for (name, member) in members {
                key(name)
                self.value(member)
            }
            endObject()
        }
    }
}

extension JSONValue {
    /// Compact JSON text of the value.
    var encoded: String {
        var json = JSONWriter()
        json.value(self)
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
