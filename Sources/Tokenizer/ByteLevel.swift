/// GPT-2's reversible map between bytes and printable Unicode scalars. Byte-level
/// BPE vocabularies store every token in this alphabet, so that whitespace and
/// control bytes never appear literally in token strings.
enum ByteLevel {
    /// The scalar each byte is written as.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `byteToScalar`, indexed by scalar value; -1 where a scalar is not
    /// in the alphabet. The alphabet stays below U+0144, so a small array suffices.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 512)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The bytes a byte-level token string stands for, or nil when the string holds
    /// a scalar outside the alphabet (such a token is then taken literally).
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = Int(scalar.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            out.append(UInt8(scalarToByte[v]))
        }
        return out
    }
}
