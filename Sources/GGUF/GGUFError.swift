/// Why a GGUF file could not be read. Each case names the problem and where it is,
/// so a user with a damaged or unsupported file knows what to do about it.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(offset: Int, needed: Int, fileSize: Int, reading: String)
    case absurdCount(what: String, count: UInt64, limit: UInt64)
    case unknownValueType(UInt32, key: String)
    case invalidString(offset: Int)
    case unknownTensorType(UInt32, tensor: String)
    case badDimensions(tensor: String, dimensions: [UInt64])
    case rowNotBlockAligned(tensor: String, rowLength: Int, type: GGMLType)
    case tensorOutOfBounds(tensor: String, end: Int, fileSize: Int)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case duplicateTensor(String)
    case duplicateKey(String)
    /// `general.alignment` holds this value, which is not a usable alignment.
    case badAlignment(GGUFValue)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .badMagic(let found):
            let bytes = withUnsafeBytes(of: found.littleEndian) { Array($0) }
            let shown = bytes.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            return "not a GGUF file: it starts with \"\(shown)\" instead of \"GGUF\""
        case .unsupportedVersion(let v):
            return "GGUF version \(v) is not supported (versions 2 and 3 are)"
        case .truncated(let offset, let needed, let fileSize, let reading):
            return "the file is truncated: reading \(reading) needs \(needed) bytes at offset \(offset), but the file has \(fileSize) bytes"
        case .absurdCount(let what, let count, let limit):
            return "the file claims \(count) \(what), more than the \(limit) that fit in the bytes left; it is truncated or corrupt (download it again)"
        case .unknownValueType(let t, let key):
            return "metadata key \"\(key)\" has unknown value type \(t)"
        case .invalidString(let offset):
            return "the string at offset \(offset) is not valid UTF-8"
        case .unknownTensorType(let t, let tensor):
            return "tensor \"\(tensor)\" has unknown or unsupported type \(t)"
        case .badDimensions(let tensor, let dims):
            return "tensor \"\(tensor)\" has invalid dimensions \(dims)"
        case .rowNotBlockAligned(let tensor, let rowLength, let type):
            return "tensor \"\(tensor)\" has rows of \(rowLength) elements, not a multiple of \(type)'s block of \(type.blockSize)"
        case .tensorOutOfBounds(let tensor, let end, let fileSize):
            return "tensor \"\(tensor)\" ends at byte \(end), past the end of the file (\(fileSize) bytes)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "tensor \"\(tensor)\" starts at data offset \(offset), not a multiple of the alignment \(alignment)"
        case .duplicateTensor(let name):
            return "tensor \"\(name)\" appears twice"
        case .duplicateKey(let key):
            return "metadata key \"\(key)\" appears twice"
        case .badAlignment(let value):
            return "general.alignment is \(Self.show(value)); it must be an integer power of two from 1 to \(1 << 30)"
        }
    }

    /// A metadata value in a few words: the number itself, or what kind of value it is.
    private static func show(_ value: GGUFValue) -> String {
        switch value {
        case .string(let s): return "the string \"\(s.prefix(40))\""
        case .array(let items): return "an array of \(items.count) values"
        case .bool(let b): return "the bool \(b)"
        case .float32(let v): return "the float \(v)"
        case .float64(let v): return "the float \(v)"
        case .uint64(let v): return "\(v)"
        default: return value.int.map(String.init) ?? "\(value)"
        }
    }
}
