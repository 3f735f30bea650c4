/// The three Unicode classes the pre-tokenizer regexes test: \p{L}, \p{N} and \s
/// (White_Space). Everything else counts as "other" ([^\s\p{L}\p{N}]), unassigned
/// code points included, as in Oniguruma.
enum CharacterClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4

    /// Looking up scalar properties costs far more than an array read, so the
    /// Basic Multilingual Plane is classified once up front.
    private static let bmp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 { table[v] = compute(UInt32(v)) }
        return table
    }()

    @inline(__always)
    static func flags(_ v: UInt32) -> UInt8 {
        v < 0x10000 ? bmp[Int(v)] : compute(v)
    }

    private static func compute(_ v: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(v) else { return 0 }
        let p = scalar.properties
        var f: UInt8 = p.isWhitespace ? whitespace : 0
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            f |= number
        default:
            break
        }
        return f
    }
}
