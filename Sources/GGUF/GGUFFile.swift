/// A parsed GGUF file (versions 2 and 3): its metadata, its tensor table and the
/// memory-mapped bytes the tensors live in.
///
/// Layout: magic "GGUF", version, tensor count, metadata count, the metadata
/// key/value pairs, the tensor table, then padding to `general.alignment` (32 by
/// default) and the tensor data, each tensor at an aligned offset.
public final class GGUFFile: @unchecked Sendable {
    public static let magic: UInt32 = 0x4655_4747 // "GGUF" read little-endian
    public static let defaultAlignment = 32
    /// Nested metadata arrays deeper than this are refused rather than recursed into.
    static let maxArrayDepth = 16

    public let path: String
    public let version: UInt32
    public let metadata: GGUFMetadata
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// File offset where tensor data begins.
    public let dataOffset: Int
    private let file: MappedFile
    private let tensorIndex: [String: Int]

    public convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        self.path = file.path
        var reader = ByteReader(file.bytes)
        let magic = try reader.read(UInt32.self, "the magic number")
        guard magic == Self.magic else { throw GGUFError.badMagic(found: magic) }
        version = try reader.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        let tensorCount = try reader.read(UInt64.self, "the tensor count")
        let keyCount = try reader.read(UInt64.self, "the metadata count")
        // Each key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes,
        // each tensor entry at least 8 + 4 + 4 + 8: a larger count cannot be true.
        try Self.checkCount(keyCount, minimumBytes: 13, reader: reader, what: "metadata entries")
        try Self.checkCount(tensorCount, minimumBytes: 24, reader: reader, what: "tensors")

        var values: [String: GGUFValue] = [:]
        var keys: [String] = []
        for _ in 0..<Int(keyCount) {
            let key = try reader.readString("a metadata key", strict: true)
            let type = try reader.read(UInt32.self, "the type of \"\(key)\"")
            let value = try Self.readValue(type: type, key: key, reader: &reader, depth: 0)
            guard values.updateValue(value, forKey: key) == nil else { throw GGUFError.duplicateKey(key) }
            keys.append(key)
        }
        metadata = GGUFMetadata(values: values, keys: keys)

        var alignment = Self.defaultAlignment
        if let value = values["general.alignment"] {
            // Any integer type is accepted; a negative or non-integer value is an
            // error, not a trap in the conversion.
            guard let a = value.int, a > 0, a & (a - 1) == 0, a <= 1 << 30 else {
                throw GGUFError.badAlignment(value)
            }
            alignment = a
        }
        self.alignment = alignment

        struct RawTensor { let name: String; let dims: [Int]; let type: GGMLType; let offset: UInt64; let elements: Int; let bytes: Int }
        var raw: [RawTensor] = []
        raw.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for _ in 0..<Int(tensorCount) {
            let name = try reader.readString("a tensor name", strict: true)
            let rank = try reader.read(UInt32.self, "the rank of tensor \"\(name)\"")
            guard rank >= 1, rank <= 4 else { throw GGUFError.badDimensions(tensor: name, dimensions: []) }
            var rawDims: [UInt64] = []
            for _ in 0..<rank { rawDims.append(try reader.read(UInt64.self, "the dimensions of tensor \"\(name)\"")) }
            // Any dimension product past what a file could hold is corrupt; keep
            // everything in Int without overflow.
            var elements = 1
            for d in rawDims {
                guard d >= 1, d < 1 << 40 else { throw GGUFError.badDimensions(tensor: name, dimensions: rawDims) }
                let (p, o) = elements.multipliedReportingOverflow(by: Int(d))
                guard !o, p < 1 << 48 else { throw GGUFError.badDimensions(tensor: name, dimensions: rawDims) }
                elements = p
            }
            let typeCode = try reader.read(UInt32.self, "the type of tensor \"\(name)\"")
            guard let type = GGMLType(rawValue: typeCode) else { throw GGUFError.unknownTensorType(typeCode, tensor: name) }
            let offset = try reader.read(UInt64.self, "the offset of tensor \"\(name)\"")
            guard rawDims[0] % UInt64(type.blockSize) == 0, let bytes = type.byteCount(elements: elements) else {
                throw GGUFError.rowNotBlockAligned(tensor: name, rowLength: Int(rawDims[0]), type: type)
            }
            guard offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(tensor: name, offset: offset, alignment: alignment)
            }
            guard index.updateValue(raw.count, forKey: name) == nil else { throw GGUFError.duplicateTensor(name) }
            raw.append(RawTensor(name: name, dims: rawDims.map { Int($0) }, type: type, offset: offset, elements: elements, bytes: bytes))
        }
        tensorIndex = index

        let padded = (reader.offset + alignment - 1) / alignment * alignment
        dataOffset = padded
        let fileSize = file.bytes.count
        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(raw.count)
        for t in raw {
            let (start, o1) = padded.addingReportingOverflow(Int(clamping: t.offset))
            let (end, o2) = start.addingReportingOverflow(t.bytes)
            guard !o1, !o2, end <= fileSize else {
                throw GGUFError.tensorOutOfBounds(tensor: t.name, end: o1 || o2 ? Int.max : end, fileSize: fileSize)
            }
            infos.append(GGUFTensorInfo(name: t.name, dimensions: t.dims, type: t.type, fileOffset: start, elementCount: t.elements, byteCount: t.bytes))
        }
        tensors = infos
    }

    /// The tensor table entry named `name`, if the file has one.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes, in place in the memory map. Valid while this file lives.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<tensor.fileOffset + tensor.byteCount])
    }

    /// Size of the whole file in bytes.
    public var fileSize: Int { file.bytes.count }

    private static func checkCount(_ count: UInt64, minimumBytes: UInt64, reader: ByteReader, what: String) throws {
        let limit = UInt64(reader.remaining) / minimumBytes
        guard count <= limit else { throw GGUFError.absurdCount(what: what, count: count, limit: limit) }
    }

    private static func readValue(type: UInt32, key: String, reader: inout ByteReader, depth: Int) throws -> GGUFValue {
        let what = "the value of \"\(key)\""
        switch type {
        case 0: return .uint8(try reader.read(UInt8.self, what))
        case 1: return .int8(try reader.read(Int8.self, what))
        case 2: return .uint16(try reader.read(UInt16.self, what))
        case 3: return .int16(try reader.read(Int16.self, what))
        case 4: return .uint32(try reader.read(UInt32.self, what))
        case 5: return .int32(try reader.read(Int32.self, what))
        case 6: return .float32(try reader.readFloat(what))
        case 7:
            let b = try reader.read(UInt8.self, what)
            return .bool(b != 0)
        case 8: return .string(try reader.readString(what))
        case 9:
            guard depth < maxArrayDepth else {
                throw GGUFError.absurdCount(what: "levels of nested arrays in \"\(key)\"", count: UInt64(depth + 1), limit: UInt64(maxArrayDepth))
            }
            let elementType = try reader.read(UInt32.self, what)
            let count = try reader.read(UInt64.self, what)
            guard let size = minimumSize(of: elementType) else { throw GGUFError.unknownValueType(elementType, key: key) }
            try checkCount(count, minimumBytes: UInt64(size), reader: reader, what: "elements in \"\(key)\"")
            var items: [GGUFValue] = []
            // Reserve no more than a typical vocabulary up front: each value takes
            // more memory than its bytes in the file.
            items.reserveCapacity(min(Int(count), 1 << 18))
            for _ in 0..<Int(count) {
                items.append(try readValue(type: elementType, key: key, reader: &reader, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try reader.read(UInt64.self, what))
        case 11: return .int64(try reader.read(Int64.self, what))
        case 12: return .float64(try reader.readDouble(what))
        default: throw GGUFError.unknownValueType(type, key: key)
        }
    }

    /// The fewest bytes one value of a metadata type can take.
    private static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8: return 8
        case 9: return 12
        case 10, 11, 12: return 8
        default: return nil
        }
    }
}
