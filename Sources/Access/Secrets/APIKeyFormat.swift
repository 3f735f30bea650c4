/// The shape of an API key: `bsk_<id>_<secret><checksum>`.
///
/// - id: 8 base62 characters, public, the lookup key (shown in lists and logs);
/// - secret: 32 base62 characters from the system's CSPRNG (about 190 bits);
/// - checksum: CRC-32 of everything before it, 6 base62 characters, so a typo
///   fails before the database is asked and scanners can spot leaked keys.
///
/// The database keeps the id, SHA-256 of the secret and the last 4 characters.
public struct APIKeyFormat: Sendable, Equatable {
    public static let prefix = "bsk_"
    static let idLength = 8
    static let secretLength = 32
    static let checksumLength = 6
    /// `bsk_` + id + `_` + secret + checksum.
    static let length = prefix.count + idLength + 1 + secretLength + checksumLength

    public var id: String
    public var secret: String

    /// A new key with random id and secret.
    static func make() -> APIKeyFormat {
        APIKeyFormat(id: Base62.random(count: idLength), secret: Base62.random(count: secretLength))
    }

    init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Reads a key, checking its shape and checksum; nil for anything else.
    public init?(parsing key: String) {
        let utf8 = Array(key.utf8)
        guard utf8.count == Self.length, key.hasPrefix(Self.prefix) else { return nil }
        let body = key.dropFirst(Self.prefix.count)
        let id = body.prefix(Self.idLength)
        let rest = body.dropFirst(Self.idLength)
        guard rest.first == "_" else { return nil }
        let secret = rest.dropFirst().prefix(Self.secretLength)
        let checksum = rest.dropFirst(1 + Self.secretLength)
        guard Base62.isBase62(id), Base62.isBase62(secret), Base62.isBase62(checksum) else { return nil }
        let signed = key.utf8.prefix(utf8.count - Self.checksumLength)
        guard Base62.encode(CRC32.checksum(signed), width: Self.checksumLength) == checksum else { return nil }
        self.id = String(id)
        self.secret = String(secret)
    }

    /// The whole key, as given to its owner once.
    public var text: String {
        let signed = Self.prefix + id + "_" + secret
        return signed + Base62.encode(CRC32.checksum(signed.utf8), width: Self.checksumLength)
    }

    /// SHA-256 of the secret, lowercase hex: what is stored.
    var secretDigest: String { SecretToken.digest(secret) }

    var last4: String { String(text.suffix(4)) }
}
