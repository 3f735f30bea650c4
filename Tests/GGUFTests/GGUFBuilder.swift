import Foundation
@testable import GGUF

/// A metadata value as the test writer emits it. Besides the well-formed cases
/// there are raw ones, so tests can write exactly the malformed bytes they want.
indirect enum BValue {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double), bool(Bool)
    case string(String)
    /// A string given as raw bytes (for invalid UTF-8).
    case bytesString([UInt8])
    /// An array whose elements all have type `elementType` (a GGUF value type code).
    case array(elementType: UInt32, [BValue])
    /// An array header claiming `count` elements, followed by `payload` verbatim.
    case rawArray(elementType: UInt32, count: UInt64, payload: [UInt8])
    /// Any type code followed by any payload.
    case raw(type: UInt32, payload: [UInt8])

    /// The GGUF value type code written before the value.
    var typeCode: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string, .bytesString: return 8
        case .array, .rawArray: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        case .raw(let type, _): return type
        }
    }

    /// The value as the reader should return it (for well-formed values).
    var expected: GGUFValue {
        switch self {
        case .uint8(let v): return .uint8(v)
        case .int8(let v): return .int8(v)
        case .uint16(let v): return .uint16(v)
        case .int16(let v): return .int16(v)
        case .uint32(let v): return .uint32(v)
        case .int32(let v): return .int32(v)
        case .uint64(let v): return .uint64(v)
        case .int64(let v): return .int64(v)
        case .float32(let v): return .float32(v)
        case .float64(let v): return .float64(v)
        case .bool(let v): return .bool(v)
        case .string(let s): return .string(s)
        case .bytesString(let b): return .string(String(decoding: b, as: UTF8.self))
        case .array(_, let items): return .array(items.map(\.expected))
        case .rawArray, .raw: fatalError("raw values have no expected reading")
        }
    }

    /// Convenience constructors for homogeneous arrays.
    static func strings(_ s: [String]) -> BValue { .array(elementType: 8, s.map { .string($0) }) }
    static func int32s(_ v: [Int32]) -> BValue { .array(elementType: 5, v.map { .int32($0) }) }
    static func float32s(_ v: [Float]) -> BValue { .array(elementType: 6, v.map { .float32($0) }) }
}

/// One tensor table entry plus its data.
struct BTensor {
    var name: [UInt8]
    var dims: [UInt64]
    var typeCode: UInt32
    var data: [UInt8]
    /// Written instead of the offset the builder computes.
    var offsetOverride: UInt64? = nil

    init(_ name: String, dims: [UInt64], typeCode: UInt32, data: [UInt8], offsetOverride: UInt64? = nil) {
        self.name = Array(name.utf8)
        self.dims = dims
        self.typeCode = typeCode
        self.data = data
        self.offsetOverride = offsetOverride
    }

    /// A tensor of a known type whose data is a deterministic byte pattern of the
    /// right size, different for every tensor name.
    init(_ name: String, dims: [UInt64], type: GGMLType) {
        let elements = dims.reduce(1, *)
        let size = Int(elements) / type.blockSize * type.blockBytes
        var seed = UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })
        var data = [UInt8](repeating: 0, count: size)
        for i in 0..<size {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            data[i] = UInt8(truncatingIfNeeded: seed >> 56)
        }
        self.init(name, dims: dims, typeCode: type.rawValue, data: data)
    }
}

/// Writes the bytes of a GGUF file: header, metadata, tensor table, padding and
/// tensor data, each tensor at an offset that is a multiple of `alignment`.
struct GGUFBuilder {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// Layout alignment. `setAlignment` also records it as `general.alignment`.
    var alignment: Int = 32
    var metadata: [(key: [UInt8], value: BValue)] = []
    var tensors: [BTensor] = []
    var tensorCountOverride: UInt64? = nil
    var metadataCountOverride: UInt64? = nil
    /// Pad the file after the last tensor to a multiple of the alignment.
    var padEnd = true

    init(version: UInt32 = 3) { self.version = version }

    mutating func add(_ key: String, _ value: BValue) { metadata.append((Array(key.utf8), value)) }
    mutating func add(rawKey: [UInt8], _ value: BValue) { metadata.append((rawKey, value)) }
    mutating func add(_ tensor: BTensor) { tensors.append(tensor) }

    /// Writes `general.alignment` (uint32) and lays the data out with it when it is
    /// a usable alignment.
    mutating func setAlignment(_ a: UInt32) {
        add("general.alignment", .uint32(a))
        if a > 0, a & (a - 1) == 0 { alignment = Int(a) }
    }

    struct Output {
        var bytes: [UInt8]
        /// Offset of the metadata section (after the 24-byte header).
        var metadataStart: Int
        /// Offset of the tensor table.
        var tensorTableStart: Int
        /// Where the tensor data starts (aligned).
        var dataOffset: Int
        /// Each tensor's absolute file offset.
        var tensorFileOffsets: [Int]
    }

    func build() -> Output {
        var w = ByteWriter()
        w.bytes += magic
        w.u32(version)
        w.u64(tensorCountOverride ?? UInt64(tensors.count))
        w.u64(metadataCountOverride ?? UInt64(metadata.count))
        let metadataStart = w.bytes.count
        for (key, value) in metadata {
            w.string(key)
            w.u32(value.typeCode)
            w.value(value)
        }
        let tableStart = w.bytes.count
        var relative: [Int] = []
        var cursor = 0
        for t in tensors {
            relative.append(cursor)
            cursor = Self.roundUp(cursor + t.data.count, alignment)
        }
        for (t, off) in zip(tensors, relative) {
            w.string(t.name)
            w.u32(UInt32(t.dims.count))
            for d in t.dims { w.u64(d) }
            w.u32(t.typeCode)
            w.u64(t.offsetOverride ?? UInt64(off))
        }
        let dataOffset = Self.roundUp(w.bytes.count, alignment)
        // Without tensors and end padding the file ends right after the table.
        if !tensors.isEmpty || padEnd { w.pad(to: dataOffset) }
        for (i, t) in tensors.enumerated() {
            w.pad(to: dataOffset + relative[i])
            w.bytes += t.data
        }
        if padEnd { w.pad(to: Self.roundUp(w.bytes.count, alignment)) }
        return Output(bytes: w.bytes, metadataStart: metadataStart, tensorTableStart: tableStart,
                      dataOffset: dataOffset, tensorFileOffsets: relative.map { dataOffset + $0 })
    }

    static func roundUp(_ n: Int, _ a: Int) -> Int { (n + a - 1) / a * a }
}

/// Little-endian byte output.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: [UInt8]) { u64(UInt64(s.count)); bytes += s }
    mutating func pad(to n: Int) { if bytes.count < n { bytes += [UInt8](repeating: 0, count: n - bytes.count) } }

    mutating func value(_ v: BValue) {
        switch v {
        case .uint8(let x): int(x)
        case .int8(let x): int(x)
        case .uint16(let x): int(x)
        case .int16(let x): int(x)
        case .uint32(let x): int(x)
        case .int32(let x): int(x)
        case .uint64(let x): int(x)
        case .int64(let x): int(x)
        case .float32(let x): int(x.bitPattern)
        case .float64(let x): int(x.bitPattern)
        case .bool(let x): int(UInt8(x ? 1 : 0))
        case .string(let s): string(Array(s.utf8))
        case .bytesString(let b): string(b)
        case .array(let type, let items):
            u32(type)
            u64(UInt64(items.count))
            for item in items { value(item) }
        case .rawArray(let type, let count, let payload):
            u32(type)
            u64(count)
            bytes += payload
        case .raw(_, let payload):
            bytes += payload
        }
    }
}
