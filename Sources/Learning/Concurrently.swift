import Dispatch
import Synchronization

/// Runs `body` for every index in `0..<count` on at most `threads` threads, each taking the
/// next index when it is free, and returns when all are done. Each index must write only its
/// own slot of the output, so the result does not depend on which thread ran what:
/// histogram boosting stays deterministic.
func concurrently(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    let lanes = min(threads, count)
    if lanes <= 1 {
        for index in 0..<count { body(index) }
        return
    }
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: lanes) { _ in
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if index >= count { break }
            body(index)
        }
    }
}

/// A pointer handed to concurrent blocks that read it, or write disjoint parts of it.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>

    /// An empty buffer has no address; its pointer is never read, so any aligned one does.
    init(_ buffer: UnsafeMutableBufferPointer<T>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    init(_ buffer: UnsafeBufferPointer<T>) {
        base = UnsafeMutablePointer(
            mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!)
    }

    subscript(_ index: Int) -> T {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// Ranges cut into blocks for `concurrently`: as many as the threads for a range of many
/// rows, one for a small range (splitting it would cost more than it saves). Each block
/// names the range it came from; a range's blocks are adjacent and in order.
func blocks(_ ranges: [Range<Int>], threads: Int) -> [(owner: Int, rows: Range<Int>)] {
    var result: [(owner: Int, rows: Range<Int>)] = []
    for (owner, range) in ranges.enumerated() {
        let count = max(1, min(threads, range.count / rowsPerBlock))
        for b in 0..<count {
            let lower = range.lowerBound + range.count * b / count
            let upper = range.lowerBound + range.count * (b + 1) / count
            result.append((owner, lower..<upper))
        }
    }
    return result
}

/// The fewest rows worth a block of their own.
let rowsPerBlock = 8_192

/// The threads worth waking for work over `rows` rows: one below two blocks' worth, where
/// handing work to another thread costs more than it saves.
func threadsWorth(_ rows: Int, _ threads: Int) -> Int { rows >= 2 * rowsPerBlock ? threads : 1 }
