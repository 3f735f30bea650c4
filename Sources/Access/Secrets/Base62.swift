/// The alphabet of keys and tokens: letters and digits only, so a key survives
/// double-click selection, URLs and shell quoting untouched.
enum Base62 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `count` characters, each uniformly random (rejection sampling: 62 does
    /// not divide 256, and a modulo would favour the first characters).
    static func random(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            if byte < 248 { bytes.append(alphabet[Int(byte % 62)]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value` in base 62, left-padded with `0` to exactly `width` characters.
    static func encode(_ value: UInt32, width: Int) -> String {
        var value = value
        var digits = [UInt8](repeating: alphabet[0], count: width)
        var index = width - 1
        while value > 0, index >= 0 {
            digits[index] = alphabet[Int(value % 62)]
            value /= 62
            index -= 1
        }
        return String(decoding: digits, as: UTF8.self)
    }

    static func isBase62(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }
}
