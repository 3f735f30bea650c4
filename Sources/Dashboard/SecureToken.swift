/// Random tokens and constant-time comparison for the CSRF defences.
enum SecureToken {
    /// 32 random bytes from the system's CSPRNG, as 64 hex digits (cookie- and form-safe).
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var out = ""
        out.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            out += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return out
    }

    /// Whether a token has the shape `make()` produces; anything else from a
    /// browser is replaced rather than trusted.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Equal strings, in time that depends only on the lengths, so a forger learns
    /// nothing from how quickly a wrong token is refused.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
