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
    /// Requests of this key that may run at once (the key's or its member's
    /// override); nil: the server's `--key-concurrency`.
    public var maxConcurrency: Int?
    /// Whose files and batches this key sees: its member's id (nil for
    /// operators' keys, which share the owner `operator`).
    public var memberID: String?
    /// The key's id, which a batch it creates is billed to (nil for operators' keys).
    public var keyID: String?

    public init(name: String, allowedModels: Set<String>? = nil, account: (any RequestAccount)? = nil, maxConcurrency: Int? = nil,
                memberID: String? = nil, keyID: String? = nil) {
        self.name = name
        self.allowedModels = allowedModels
        self.account = account
        self.maxConcurrency = maxConcurrency
        self.memberID = memberID
        self.keyID = keyID
    }

    public static func == (a: Principal, b: Principal) -> Bool {
        a.name == b.name && a.allowedModels == b.allowedModels && (a.account == nil) == (b.account == nil)
            && a.maxConcurrency == b.maxConcurrency && a.memberID == b.memberID && a.keyID == b.keyID
    }
}

/// Checks a bearer key. The static key list below is one implementation; an
/// access store with users, revocation and expiry is another.
public protocol APIKeyAuthenticator: Sendable {
    /// The principal for `key`, or nil when the key is unknown, revoked or expired.
    func authenticate(key: String) async throws -> Principal?
    /// For a request without `Authorization`: the principal of a signed-in
    /// browser page (the Workbench), or nil when the request carries no
    /// session. A session that is there but refused throws its `APIError`.
    func authenticate(browserRequest: Request) async throws -> Principal?
}

extension APIKeyAuthenticator {
    /// Keys only, unless an authenticator knows sessions.
    public func authenticate(browserRequest: Request) async throws -> Principal? { nil }
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
        let principal: Principal
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
                throw unauthorized("Malformed Authorization header: expected `Bearer <key>`.")
            }
            guard let found = try await authenticator.authenticate(key: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                throw unauthorized("Incorrect API key provided.")
            }
            principal = found
        } else if let found = try await authenticator.authenticate(browserRequest: request) {
            principal = found
            // A person at a page, whatever the page's header said.
            context.record.setWorkload(.interactive)
        } else {
            throw unauthorized("Missing API key: send `Authorization: Bearer <key>`.")
        }
        context.record.setPrincipal(principal)
        guard let account = principal.account else { return try await next(request, context) }
        switch try await account.admit() {
        case .limited(let report, let limit, let retryAfter):
            throw APIError.rateLimited(report, limit: limit, retryAfterSeconds: retryAfter)
        case .allowed(let report):
            context.record.setRateLimitReport(report)
            var response = try await next(request, context)
            // The report as the handler left it: with its tokens reserved, if it reserved any.
            for field in (context.record.rateLimitReport ?? report).headers { response.headers.append(field) }
            return response
        }
    }

    private func unauthorized(_ message: String) -> APIError {
        APIError(.invalidAPIKey, message)
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

extension APIError {
    /// The 429 for a limit that is full now, with Retry-After and the `x-ratelimit-*` headers.
    static func rateLimited(_ report: RateLimitReport, limit: String, retryAfterSeconds: Int) -> APIError {
        var error = APIError(.rateLimitExceeded, "Rate limit reached: \(limit). Try again in \(retryAfterSeconds) s.")
        error.headers = report.headers
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }
}
