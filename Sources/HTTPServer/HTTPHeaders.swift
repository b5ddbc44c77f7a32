/// A response's header fields, in order: the first two held inline and any more in an
/// array. Most answers carry two (a content type and a request id), and an array of them
/// was an allocation, a free and a dozen reference counts every response.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByArrayLiteral {
    public typealias Field = (name: String, value: String)

    private var first: Field?
    private var second: Field?
    private var rest: [Field] = []

    public init() {}

    public init(arrayLiteral fields: Field...) {
        for field in fields { append(field) }
    }

    public mutating func append(_ field: Field) {
        if first == nil {
            first = field
        } else if second == nil {
            second = field
        } else {
            rest.append(field)
        }
    }

    /// The first value of `name`, matched case-insensitively.
    public subscript(name: String) -> String? {
        first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Each field in order, without the copy of every field an iterator makes.
    func forEachField(_ body: (String, String) -> Void) {
        guard let first else { return }
        body(first.name, first.value)
        guard let second else { return }
        body(second.name, second.value)
        for field in rest { body(field.name, field.value) }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate let headers: HTTPHeaders
        fileprivate var index = 0

        public mutating func next() -> Field? {
            defer { index += 1 }
            switch index {
            case 0: return headers.first
            case 1: return headers.second
            default: return index - 2 < headers.rest.count ? headers.rest[index - 2] : nil
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(headers: self) }
}
