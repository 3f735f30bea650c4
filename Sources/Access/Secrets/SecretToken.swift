import API

/// Every secret token BaseServe makes: invite, session, setup and CSRF tokens,
/// 32 random base62 characters (about 190 bits) from the system's CSPRNG.
/// Only the SHA-256 of a stored token is kept, so a copy of the database lets
/// nobody in.
public enum SecretToken {
    static let length = 32

    public static func make() -> String { Base62.random(count: length) }

    /// The stored form: SHA-256, lowercase hex.
    static func digest(_ token: String) -> String { Secrets.sha256Hex(token) }

    /// Whether a token has the shape `make()` produces; anything else from a
    /// browser is replaced rather than trusted.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == length && Base62.isBase62(Substring(token))
    }
}
