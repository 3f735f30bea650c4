/// A bounds-checked little-endian cursor over the file's bytes. Every read checks
/// the remaining length first, so a truncated or lying file becomes a GGUFError
/// rather than a crash.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw GGUFError.truncated(offset: offset, needed: count, fileSize: bytes.count, reading: what())
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A length-prefixed string. Invalid UTF-8 is repaired with U+FFFD unless
    /// `strict`, which metadata keys and tensor names use.
    mutating func readString(_ what: @autoclosure () -> String, strict: Bool = false) throws -> String {
        let start = offset
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(offset: offset, needed: Int(clamping: length), fileSize: bytes.count, reading: what())
        }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        if strict {
            guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
                throw GGUFError.invalidString(offset: start)
            }
            return s
        }
        return String(decoding: slice.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    mutating func skip(to newOffset: Int, _ what: @autoclosure () -> String) throws {
        try need(newOffset - offset, what())
        offset = newOffset
    }
}
