import API
/// Invite, session, setup and CSRF tokens: 32 random base62 characters
/// (about 190 bits). Only the SHA-256 of a token is stored, so a copy of the
/// database lets nobody in.
enum SecretToken {
    static let length = 32

    static func make() -> String { Base62.random(count: length) }

    /// The stored form: SHA-256, lowercase hex.
    static func digest(_ token: String) -> String { SHA256.hex(SHA256.hash(Array(token.utf8))) }
}
