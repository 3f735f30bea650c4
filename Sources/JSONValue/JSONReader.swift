/// Reads JSON text (RFC 8259) into a `JSON` value, strictly, as a request body
/// must be read:
/// - UTF-8 only. A byte-order mark, UTF-16 or UTF-32 is refused rather than
///   guessed at (Foundation's decoder accepts all three), as is invalid UTF-8.
/// - No key twice in one object, at any depth. Parsers disagree on which copy
///   wins (Foundation kept the first, most proxies and Python keep the last), so
///   a gateway that checked one value would let the server act on another.
/// - At most `maxDepth` nested arrays and objects: the reader recurses, and a
///   hostile body of a million `[` must not exhaust a thread's stack.
/// Members keep the order they were written in.
public struct JSONReader {
    /// Deeper than any BaseServe request needs (three levels), far below what
    /// would endanger a stack.
    public static let maxDepth = 128

    /// Why a body was refused: a message for the client, and the key at fault
    /// (a path such as `stream_options.include_usage`) for a repeated key.
    public struct Failure: Error, Equatable {
        public var message: String
        /// The path of a repeated key, built outward as the error unwinds.
        public var keyPath: [String] = []
        public var isRepeatedKey: Bool { !keyPath.isEmpty }

        /// The failure as seen from the object member or array element `part` holds.
        public func inside(_ part: String) -> Failure {
            guard isRepeatedKey else { return self }
            var outer = self
            outer.keyPath.insert(part, at: 0)
            return outer
        }

        public var param: String? {
            guard isRepeatedKey else { return nil }
            return keyPath.reduce("") { path, part in
                part.hasPrefix("[") || path.isEmpty ? path + part : path + "." + part
            }
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The value `bytes` hold, or why they are not acceptable JSON.
    public static func read(_ bytes: some Collection<UInt8>) throws(Failure) -> JSON {
        let result: Result<JSON, Failure>? = bytes.withContiguousStorageIfAvailable { read(buffer: $0) }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ read(buffer: $0) }) {
        case .success(let value): return value
        case .failure(let failure): throw failure
        }
    }

    private static func read(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSON, Failure> {
        if let encoding = foreignEncoding(buffer) {
            return .failure(Failure(message: "The request body is \(encoding): send JSON as UTF-8 without a byte-order mark."))
        }
        var reader = JSONReader(buffer)
        do throws(Failure) {
            reader.skipWhitespace()
            let value = try reader.value()
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw reader.syntaxError("text after the JSON value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// What a body that is not plain UTF-8 is, judged from its first bytes: JSON
    /// text begins with an ASCII character, so in UTF-16 or UTF-32 one of its
    /// first bytes is zero.
    private static func foreignEncoding(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { return "UTF-8 with a byte-order mark" }
        if b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) { return "UTF-16 or UTF-32 (it starts with a byte-order mark)" }
        if b.prefix(4).contains(0) { return "UTF-16 or UTF-32" }
        return nil
    }

    // MARK: Grammar

    private func syntaxError(_ what: String) -> Failure {
        Failure(message: "The request body is not valid JSON: \(what) at byte \(index).")
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSON) throws(Failure) -> JSON {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
              UnsafeBufferPointer(start: literal.utf8Start, count: count).elementsEqual(bytes[index..<index + count])
        else { throw syntaxError("an unexpected character") }
        index += count
        return value
    }

    private mutating func value() throws(Failure) -> JSON {
        guard let b = current else { throw syntaxError("the end of the text where a value was expected") }
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else {
                throw Failure(message: "The request body nests arrays and objects more than \(Self.maxDepth) deep.")
            }
            depth += 1
            defer { depth -= 1 }
            return b == UInt8(ascii: "{") ? try object() : try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw syntaxError("an unexpected character")
        }
    }

    private mutating func object() throws(Failure) -> JSON {
        index += 1  // {
        var members: [(String, JSON)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw syntaxError("a missing key") }
            let key = try string()
            guard seen.insert(key).inserted else {
                throw Failure(message: "The request body has the key `\(key)` more than once in one object: send each key once.",
                              keyPath: [key])
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw syntaxError("a missing `:`") }
            index += 1
            skipWhitespace()
            do throws(Failure) {
                members.append((key, try value()))
            } catch {
                throw error.inside(key)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw syntaxError("a missing `,` or `}`")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSON {
        index += 1  // [
        var items: [JSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            do throws(Failure) {
                items.append(try value())
            } catch {
                throw error.inside("[\(items.count)]")
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "]"): index += 1; return .array(items)
            default: throw syntaxError("a missing `,` or `]`")
            }
        }
    }

    /// A string from its opening quote. Runs without escapes are validated and
    /// copied whole: a 5 MB prompt is one run.
    private mutating func string() throws(Failure) -> String {
        index += 1  // "
        var result = ""
        while true {
            let start = index
            while let b = current, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b >= 0x20 { index += 1 }
            if index > start {
                guard let run = String(validating: bytes[start..<index], as: UTF8.self) else {
                    throw Failure(message: "The request body is not valid UTF-8 (in a string before byte \(index)).")
                }
                result += run
            }
            guard let b = current else { throw syntaxError("an unterminated string") }
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return result
            case UInt8(ascii: "\\"):
                index += 1
                result.unicodeScalars.append(try escape())
            default:
                throw syntaxError("a control character in a string (write it escaped)")
            }
        }
    }

    private mutating func escape() throws(Failure) -> Unicode.Scalar {
        guard let b = current else { throw syntaxError("an unterminated string") }
        index += 1
        switch b {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            switch unit {
            case 0xD800..<0xDC00:
                // A high surrogate must be followed by an escaped low one.
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw syntaxError("a lone surrogate in a \\u escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw syntaxError("a lone surrogate in a \\u escape") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            case 0xDC00..<0xE000:
                throw syntaxError("a lone surrogate in a \\u escape")
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            throw syntaxError("an unknown escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntaxError("a short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw syntaxError("a bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// An integer when the number is one that fits an `Int` (`5`, and `5.0` or
    /// `1e2` too, as Foundation's decoder read them), else a double.
    private mutating func number() throws(Failure) -> JSON {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw syntaxError("a number without digits") }
        // JSON allows no leading zeros ("01").
        let firstDigit = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if bytes[firstDigit] == UInt8(ascii: "0"), index - firstDigit > 1 { throw syntaxError("a number with a leading zero") }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard digits() > 0 else { throw syntaxError("a number without digits after `.`") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw syntaxError("a number without digits in its exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw syntaxError("a number out of range") }
        if let i = Int(exactly: d) { return .int(i) }
        return .double(d)
    }

    private mutating func digits() -> Int {
        let start = index
        while let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }
}
