/// A growable run of bytes written through a pointer: the buffer of the binary encoders on
/// the request path (journal records, binary COPY rows).
///
/// An `[UInt8]` pays for a uniqueness check, a capacity check and a call at every append
/// (~60 instructions; a COPY row or a journal record is two dozen of them). Here a writer
/// makes room once for what it is about to write (`reserve`) and then stores fields
/// straight into it. Noncopyable, so the memory has exactly one owner and is freed once.
public struct ByteBuffer: ~Copyable {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var used: Int
    @usableFromInline var room: Int

    /// Bytes written.
    public var count: Int { used }
    /// Bytes that fit before the next growth.
    public var capacity: Int { room }

    public init(capacity: Int = 4096) {
        room = max(16, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: room, alignment: 16)
        used = 0
    }

    deinit { base.deallocate() }

    public var isEmpty: Bool { used == 0 }

    /// Makes room for `extra` more bytes, doubling (so a growing buffer is copied a
    /// logarithmic number of times).
    @inlinable @inline(__always)
    public mutating func reserve(_ extra: Int) {
        if room - used < extra { grow(to: used + extra) }
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        let larger = max(needed, 2 * room)
        let moved = UnsafeMutableRawPointer.allocate(byteCount: larger, alignment: 16)
        moved.copyMemory(from: base, byteCount: used)
        base.deallocate()
        base = moved
        room = larger
    }

    /// Appends bytes.
    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + used).copyMemory(from: source, byteCount: bytes.count)
        used += bytes.count
    }

    @inlinable
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends one byte.
    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// Appends an integer, most significant byte first (network order: Postgres' binary forms).
    @inlinable @inline(__always)
    public mutating func append<T: FixedWidthInteger>(bigEndian value: T) {
        reserve(MemoryLayout<T>.size)
        base.storeBytes(of: value.bigEndian, toByteOffset: used, as: T.self)
        used += MemoryLayout<T>.size
    }

    /// Appends an integer, least significant byte first (the journal's record form).
    @inlinable @inline(__always)
    public mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        reserve(MemoryLayout<T>.size)
        base.storeBytes(of: value.littleEndian, toByteOffset: used, as: T.self)
        used += MemoryLayout<T>.size
    }

    /// The bytes written, borrowed for the call.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: used))
    }

    /// Forgets the bytes from `count` on (a record that went elsewhere after all).
    public mutating func truncate(to count: Int) {
        precondition(count >= 0 && count <= used, "truncate(to: \(count)) of a buffer holding \(used) bytes")
        used = count
    }

    /// Forgets the bytes; keeps the memory unless it has grown past `keeping` bytes (a burst
    /// should not hold its peak for ever).
    public mutating func removeAll(keeping: Int = .max) {
        used = 0
        if room > keeping {
            base.deallocate()
            room = max(16, keeping)
            base = UnsafeMutableRawPointer.allocate(byteCount: room, alignment: 16)
        }
    }
}
