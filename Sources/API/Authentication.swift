import HTTPTypes
import Hummingbird

/// Who a request acts for, once its key is accepted.
public struct Principal: Sendable, Equatable {
    /// A name safe to log (never the key).
    public var name: String
    /// Models this key may use; nil: all.
    public var allowedModels: Set<String>?
    public init(name: String, allowedModels: Set<String>? = nil) {
        self.name = name
        self.allowedModels = allowedModels
    }
}

/// Checks a bearer key. The static key list below is one implementation; an
/// access store with users, revocation and expiry is another.
public protocol APIKeyAuthenticator: Sendable {
    /// The principal for `key`, or nil when the key is unknown, revoked or expired.
    func authenticate(key: String) async throws -> Principal?
}

/// Keys given on the command line (`--api-key`, `BASESERVE_API_KEY`). Only
/// their SHA-256 digests are kept, and they are compared in constant time.
public struct StaticAPIKeys: APIKeyAuthenticator {
    private let digests: [[UInt8]]

    public init(keys: [String]) {
        digests = keys.map { SHA256.hash(Array($0.utf8)) }
    }

    public var isEmpty: Bool { digests.isEmpty }

    public func authenticate(key: String) async throws -> Principal? {
        let digest = SHA256.hash(Array(key.utf8))
        var match = -1
        // Every digest is compared, so the time does not tell which one matched.
        for (i, d) in digests.enumerated() where constantTimeEqual(d, digest) { match = i }
        return match >= 0 ? Principal(name: "key-\(match + 1)") : nil
    }
}

/// Requires `Authorization: Bearer <key>` accepted by the authenticator; the
/// principal is kept in the request context.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: any APIKeyAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw unauthorized("Missing API key: send `Authorization: Bearer <key>`.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw unauthorized("Malformed Authorization header: expected `Bearer <key>`.")
        }
        guard let principal = try await authenticator.authenticate(key: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw unauthorized("Incorrect API key provided.")
        }
        context.record.setPrincipal(principal)
        return try await next(request, context)
    }

    private func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "authentication_error", code: "invalid_api_key")
    }
}
