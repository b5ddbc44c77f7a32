/// A loop's open connections by descriptor: an array indexed by the fd (descriptors are
/// small and reused), so the three lookups of every request index an array instead of
/// hashing an `Int32` key.
struct ConnectionTable {
    private var slots: [Connection?] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(fd: Int32) -> Connection? {
        get { fd >= 0 && Int(fd) < slots.count ? slots[Int(fd)] : nil }
        set {
            let i = Int(fd)
            guard i >= 0 else { return }
            if i >= slots.count {
                guard newValue != nil else { return }
                slots += [Connection?](repeating: nil, count: max(i + 1, 2 * slots.count) - slots.count)
            }
            count += (newValue != nil ? 1 : 0) - (slots[i] != nil ? 1 : 0)
            slots[i] = newValue
        }
    }

    /// The open connections, copied (for loops that close some as they go).
    var all: [Connection] { slots.compactMap { $0 } }

    func contains(where predicate: (Connection) -> Bool) -> Bool {
        slots.contains { $0.map(predicate) ?? false }
    }
}
