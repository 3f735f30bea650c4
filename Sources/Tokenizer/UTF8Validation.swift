/// Where UTF-8 text may be cut without splitting a character, for streaming.
enum UTF8Validation {
    /// Bytes in the sequence a lead byte starts (1 for ASCII and for bytes that
    /// cannot start a sequence, which decode to U+FFFD on their own).
    @inline(__always)
    static func sequenceLength(lead b: UInt8) -> Int {
        switch b {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }

    /// The length of the unfinished character at the end of `bytes`: a lead byte
    /// and the continuation bytes after it that could still become a valid
    /// character once more bytes arrive. 0 when the bytes end on a boundary (or
    /// end in bytes that can never become valid).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        // A sequence is at most 4 bytes, so its lead is among the last 3.
        while i >= 0, i >= n - 3, bytes[i] & 0xC0 == 0x80 { i -= 1 }
        guard i >= 0, i >= n - 3 else { return 0 }
        let need = sequenceLength(lead: bytes[i])
        let have = n - i
        guard need > have else { return 0 }
        // The second byte's range depends on the lead (no overlongs, surrogates or
        // values past U+10FFFF); anything outside it is already invalid.
        if have >= 2 {
            let second = bytes[i + 1]
            let ok: Bool
            switch bytes[i] {
            case 0xE0: ok = (0xA0...0xBF).contains(second)
            case 0xED: ok = (0x80...0x9F).contains(second)
            case 0xF0: ok = (0x90...0xBF).contains(second)
            case 0xF4: ok = (0x80...0x8F).contains(second)
            default: ok = true
            }
            if !ok { return 0 }
        }
        return have
    }
}
