import HTTPTypes
import Hummingbird

/// Who a request acts for, once its key is accepted.
public struct Principal: Sendable, Equatable {
    /// A name safe to log (never the key).
    public var name: String
    /// Models this key may use; nil: all.
    public var allowedModels: Set<String>?
    /// Limits and usage records; nil for keys that have none (operators' keys).
    public var account: (any RequestAccount)?

    public init(name: String, allowedModels: Set<String>? = nil, account: (any RequestAccount)? = nil) {
        self.name = name
        self.allowedModels = allowedModels
        self.account = account
    }

    public static func == (a: Principal, b: Principal) -> Bool {
        a.name == b.name && a.allowedModels == b.allowedModels && (a.account == nil) == (b.account == nil)
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
        digests = keys.map(Secrets.sha256)
    }

    public var isEmpty: Bool { digests.isEmpty }

    public func authenticate(key: String) async throws -> Principal? {
        let digest = Secrets.sha256(key)
        var match = -1
        // Every digest is compared, so the time does not tell which one matched.
        for (i, d) in digests.enumerated() where Secrets.constantTimeEqual(d, digest) { match = i }
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
        guard let account = principal.account else { return try await next(request, context) }
        switch try await account.admit() {
        case .limited(let report, let limit, let retryAfter):
            var error = APIError(status: .tooManyRequests,
                                 message: "Rate limit reached: \(limit). Try again in \(retryAfter) s.",
                                 type: "rate_limit_error", code: "rate_limit_exceeded")
            error.headers = report.headers
            error.headers[.retryAfter] = String(retryAfter)
            throw error
        case .allowed(let report):
            var response = try await next(request, context)
            for field in report.headers { response.headers.append(field) }
            return response
        }
    }

    private func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "authentication_error", code: "invalid_api_key")
    }
}

extension RateLimitReport {
    /// OpenAI's `x-ratelimit-*` headers, for the limits that exist.
    var headers: HTTPFields {
        var fields = HTTPFields()
        func set(_ name: String, _ value: Int?) {
            if let value, let field = HTTPField.Name(name) { fields[field] = String(max(0, value)) }
        }
        set("x-ratelimit-limit-requests", requestLimit)
        set("x-ratelimit-remaining-requests", requestsRemaining)
        set("x-ratelimit-limit-tokens", tokenLimit)
        set("x-ratelimit-remaining-tokens", tokensRemaining)
        return fields
    }
}
