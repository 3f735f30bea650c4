/// One metadata value. Arrays may nest (an array of arrays), as the format allows.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The value as an integer, for any integer type that fits in `Int`.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// The value as a floating-point number (integers convert too).
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }
}

/// Tensor names and metadata keys read from a file, with typed look-ups.
public struct GGUFMetadata: Sendable {
    public let values: [String: GGUFValue]
    /// Keys in the order the file lists them.
    public let keys: [String]

    public subscript(key: String) -> GGUFValue? { values[key] }

    public func int(_ key: String) -> Int? { values[key]?.int }
    public func double(_ key: String) -> Double? { values[key]?.double }
    public func float(_ key: String) -> Float? { values[key]?.double.map(Float.init) }
    public func bool(_ key: String) -> Bool? { values[key]?.bool }
    public func string(_ key: String) -> String? { values[key]?.string }

    /// An array of strings, or nil if the key is missing or holds anything else.
    public func strings(_ key: String) -> [String]? {
        guard let items = values[key]?.array else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .string(let s) = item else { return nil }
            out.append(s)
        }
        return out
    }

    public func ints(_ key: String) -> [Int]? {
        guard let items = values[key]?.array else { return nil }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.int else { return nil }
            out.append(v)
        }
        return out
    }

    public func floats(_ key: String) -> [Float]? {
        guard let items = values[key]?.array else { return nil }
        var out: [Float] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.double else { return nil }
            out.append(Float(v))
        }
        return out
    }
}
