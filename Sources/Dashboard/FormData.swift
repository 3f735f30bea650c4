import Foundation

/// A parsed `application/x-www-form-urlencoded` body. Parsed by hand because the
/// rules are small and exact: pairs split on `&`, name and value on the first
/// `=`, `+` is a space, then percent-decoding; the result must be UTF-8.
struct FormData: Sendable, Equatable {
    /// Every pair in body order; a name may repeat.
    private(set) var pairs: [(name: String, value: String)]

    static func == (a: FormData, b: FormData) -> Bool {
        a.pairs.map(\.name) == b.pairs.map(\.name) && a.pairs.map(\.value) == b.pairs.map(\.value)
    }

    enum ParseError: Error, Equatable {
        case badEncoding
    }

    init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    init(parsing body: [UInt8]) throws {
        var pairs: [(String, String)] = []
        for part in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let bytes = Array(part)
            let name: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                name = bytes[..<eq]
                value = bytes[(eq + 1)...]
            } else {
                name = bytes[...]
                value = []
            }
            pairs.append((try Self.decode(name), try Self.decode(value)))
        }
        self.pairs = pairs
    }

    /// The first value for `name`.
    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The value for `name` only if it appears exactly once: for fields where two
    /// different values would be ambiguous (the CSRF token).
    func single(_ name: String) -> String? {
        let values = all(name)
        return values.count == 1 ? values[0] : nil
    }

    func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The value trimmed of surrounding white space; empty when absent.
    func trimmed(_ name: String) -> String {
        (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                i += 1
            } else if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else { throw ParseError.badEncoding }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else { throw ParseError.badEncoding }
        return string
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
