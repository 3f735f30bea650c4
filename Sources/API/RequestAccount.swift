import Foundation

/// The limits and accounting of whoever a key belongs to. The access store
/// backs it for members' keys; operators' `--api-key` keys have none.
public protocol RequestAccount: Sendable {
    /// Counts the request against its limits before any work is done; a refused
    /// request counts too, so a client cannot hammer past a limit.
    func admit() async throws -> Admission
    /// Reserves the request's worst-case token count against the token limits,
    /// before any engine work, so that no burst of requests together overshoots
    /// a limit. `record` replaces the reservation by the tokens actually used.
    func reserve(tokens: Int) async throws -> TokenAdmission
    /// Records a finished (or abandoned) request and settles its reservation.
    /// Awaited before the response's last byte is written, so nothing served
    /// goes unrecorded.
    func record(_ usage: RequestUsage) async
}

/// Whether a request's worst case fits what remains of its token limits.
public enum TokenAdmission: Sendable, Equatable {
    /// Reserved; the report counts the reservation as used (no token figures
    /// where there are no token limits).
    case reserved(RateLimitReport)
    /// Does not fit now; `limit` names the limit, e.g. "tokens per minute".
    case limited(RateLimitReport, limit: String, retryAfterSeconds: Int)
    /// More than the whole limit (`maximum` tokens): waiting would not help.
    case exceedsLimit(RateLimitReport, limit: String, maximum: Int)
    /// Over a token budget (account monthly, key monthly or key daily): waiting
    /// until it resets is the only cure, so the 429 has no Retry-After.
    case overBudget(RateLimitReport, BudgetRefusal)
}

/// Which token budget refused a request, and when it resets.
public struct BudgetRefusal: Sendable, Equatable {
    /// "account monthly", "key monthly" or "key daily".
    public var budget: String
    /// The budget's size in tokens.
    public var size: Int
    /// Tokens used or reserved in the budget's period so far.
    public var used: Int
    /// The request's worst case.
    public var requested: Int
    /// The first instant of the next UTC month or day.
    public var resetsAt: Date

    public init(budget: String, size: Int, used: Int, requested: Int, resetsAt: Date) {
        self.budget = budget
        self.size = size
        self.used = used
        self.requested = requested
        self.resetsAt = resetsAt
    }

    /// Who can change this budget, for the message.
    var whoCanRaise: String {
        budget == "account monthly" ? "an admin can raise it" : "the key's owner can raise it on the dashboard"
    }
}

/// Whether a request may go ahead, with what the `x-ratelimit-*` headers say.
public enum Admission: Sendable, Equatable {
    case allowed(RateLimitReport)
    /// `limit` names the limit hit, e.g. "requests per minute".
    case limited(RateLimitReport, limit: String, retryAfterSeconds: Int)
}

/// Limits and what remains of them; nil where there is no such limit.
public struct RateLimitReport: Sendable, Equatable {
    public var requestLimit: Int?
    public var requestsRemaining: Int?
    public var tokenLimit: Int?
    public var tokensRemaining: Int?

    public init(requestLimit: Int? = nil, requestsRemaining: Int? = nil, tokenLimit: Int? = nil, tokensRemaining: Int? = nil) {
        self.requestLimit = requestLimit
        self.requestsRemaining = requestsRemaining
        self.tokenLimit = tokenLimit
        self.tokensRemaining = tokensRemaining
    }
}

/// One API request as accounting sees it once its response is complete.
public struct RequestUsage: Sendable, Equatable {
    public var route: String
    public var model: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var status: Int
    public var latencyMilliseconds: Int
    /// The request's `user` field.
    public var user: String?
    /// The `X-Request-Id` its response carried.
    public var requestID: String?
    /// Milliseconds it waited for its turn among its key's requests; nil for routes that do not queue.
    public var queueMilliseconds: Int?
    /// What the client's `X-Workload` said.
    public var workload: Workload?

    public init(route: String, model: String?, promptTokens: Int, completionTokens: Int, status: Int, latencyMilliseconds: Int,
                user: String?, requestID: String? = nil, queueMilliseconds: Int? = nil, workload: Workload? = nil) {
        self.route = route
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.user = user
        self.requestID = requestID
        self.queueMilliseconds = queueMilliseconds
        self.workload = workload
    }
}
