import NIOCore

/// A JSON value. Requests are parsed into it so that validation can name the
/// field and the type it got; responses are built from it so that object keys
/// keep the order they were written in (`prompt_logprobs` promises rank order).
/// The upstream backends build the bodies they send with it and read the
/// answers back into it.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    /// Members in order.
    case object([(String, JSON)])
    /// JSON text already written: a large value (a long prompt's
    /// `prompt_logprobs`) built piece by piece, so that it never exists as a
    /// tree of many small allocations at once. A response sends these bytes as
    /// they are (`serializedPieces`), without copying them.
    case written(ByteBuffer)

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.written(let x), .written(let y)): return x == y
        default: return false
        }
    }

    /// A member of an object (request bodies never repeat a key: `JSONReader`
    /// refuses them).
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    /// What a client would call this value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .written: return "JSON text"
        }
    }

    /// A logprob: `-inf` is written as -9999.0, as vLLM does.
    public static func logprob(_ x: Float) -> JSON {
        x.isFinite ? .double(Double(x)) : .double(x < 0 ? -9999.0 : 9999.0)
    }

    public static func logprob(_ x: Double) -> JSON {
        x.isFinite ? .double(x) : .double(x < 0 ? -9999.0 : 9999.0)
    }
}

// MARK: - Parsing

extension JSON {
    /// Parses JSON text (see `JSONReader` for what it refuses); nil when it is
    /// not acceptable JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSON? {
        try? JSONReader.read(bytes)
    }
}

// MARK: - Writing

extension JSON {
    /// Compact JSON text, members in order.
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    public func write(into out: inout String) {
        var inline: [ByteBuffer]?
        write(into: &out, pieces: &inline)
    }

    /// The same text as `serialized`, in pieces: what surrounds each `.written`
    /// value is written out, and the `.written` bytes themselves are passed on
    /// uncopied (an 8,000-token prompt's `prompt_logprobs` is some 11 MiB).
    public var serializedPieces: [ByteBuffer] {
        var pieces: [ByteBuffer]? = []
        var text = ""
        write(into: &text, pieces: &pieces)
        if !text.isEmpty { pieces!.append(ByteBuffer(string: text)) }
        return pieces!
    }

    /// Writes the text into `out`; with `pieces`, each `.written` value ends the
    /// text so far as a piece and becomes a piece of its own, else it is copied in.
    private func write(into out: inout String, pieces: inout [ByteBuffer]?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                // Integral values keep a ".0" so that clients read a float.
                if d == d.rounded(), abs(d) < 1e15 { out += String(Int(d)) + ".0" } else { out += "\(d)" }
            } else {
                out += d < 0 ? "-9999.0" : "9999.0"
            }
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out, pieces: &pieces)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.writeString(key, into: &out)
                out += ":"
                value.write(into: &out, pieces: &pieces)
            }
            out += "}"
        case .written(let bytes):
            guard pieces != nil else { out += String(buffer: bytes); return }
            if !out.isEmpty { pieces!.append(ByteBuffer(string: out)) }
            out = ""
            pieces!.append(bytes)
        }
    }

    /// An array written out as it is made, one element at a time, as `.written`
    /// bytes: a long array never exists as a tree, nor as one growing string
    /// beside its copy in the response.
    public static func writtenArray<Items: Sequence>(_ items: Items, element: (Items.Element) -> JSON) -> JSON {
        var bytes = ByteBuffer(string: "[")
        var scratch = ""
        for item in items {
            if bytes.readableBytes > 1 { scratch += "," }
            element(item).write(into: &scratch)
            bytes.writeString(scratch)
            scratch.removeAll(keepingCapacity: true)
        }
        bytes.writeString("]")
        return .written(bytes)
    }

    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension Optional where Wrapped == String {
    public var json: JSON { map { .string($0) } ?? .null }
}

extension Optional where Wrapped == Int {
    public var json: JSON { map { .int($0) } ?? .null }
}
