import Crypto
import Foundation

/// Digests of secrets, and comparisons of secrets that leak no timing, from
/// swift-crypto: API keys, key secrets and tokens are kept as SHA-256 digests,
/// never in the clear.
public enum Secrets {
    /// The SHA-256 of a secret's UTF-8 bytes.
    public static func sha256(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// The SHA-256 of a secret's UTF-8 bytes in lowercase hex: the stored form.
    public static func sha256Hex(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether two byte strings are equal, in time that depends only on their
    /// lengths, so a guesser learns nothing from how quickly a wrong one is
    /// refused. (swift-crypto compares keys this way.)
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && SymmetricKey(data: a) == SymmetricKey(data: b)
    }

    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }
}
