import API
import Foundation

/// A person with an account: a member, and perhaps an admin.
public struct Member: Sendable, Equatable, Identifiable {
    public var id: String
    public var email: String
    public var name: String
    public var isAdmin: Bool
    public var status: MemberStatus
    /// The member's own limits; a key may override each of them.
    public var limits: Limits
    public var createdAt: Date

    public init(id: String, email: String, name: String, isAdmin: Bool, status: MemberStatus, limits: Limits, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.isAdmin = isAdmin
        self.status = status
        self.limits = limits
        self.createdAt = createdAt
    }
}

public enum MemberStatus: String, Sendable, Equatable, CaseIterable {
    case active
    /// Every key of a suspended member stops working, and it cannot sign in.
    case suspended
}

/// Limits on one member or one key. nil: no limit (on a key: the member's applies).
public struct Limits: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var tokensPerDay: Int?
    /// Models that may be used; nil: all.
    public var allowedModels: [String]?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, tokensPerDay: Int? = nil, allowedModels: [String]? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.tokensPerDay = tokensPerDay
        self.allowedModels = allowedModels
    }

    public static let none = Limits()

    /// These limits where set, else `fallback`'s: a key's overrides over its member's limits.
    public func overriding(_ fallback: Limits) -> Limits {
        Limits(requestsPerMinute: requestsPerMinute ?? fallback.requestsPerMinute,
               tokensPerMinute: tokensPerMinute ?? fallback.tokensPerMinute,
               tokensPerDay: tokensPerDay ?? fallback.tokensPerDay,
               allowedModels: allowedModels ?? fallback.allowedModels)
    }
}

/// A stranger's request for access.
public struct AccessRequest: Sendable, Equatable, Identifiable {
    public var id: String
    public var name: String
    public var email: String
    public var affiliation: String?
    public var note: String
    public var status: AccessRequestStatus
    /// The reviewing admin's note.
    public var reviewNote: String?
    public var reviewedBy: String?
    public var createdAt: Date
    public var reviewedAt: Date?

    public init(id: String, name: String, email: String, affiliation: String?, note: String, status: AccessRequestStatus,
                reviewNote: String?, reviewedBy: String?, createdAt: Date, reviewedAt: Date?) {
        self.id = id
        self.name = name
        self.email = email
        self.affiliation = affiliation
        self.note = note
        self.status = status
        self.reviewNote = reviewNote
        self.reviewedBy = reviewedBy
        self.createdAt = createdAt
        self.reviewedAt = reviewedAt
    }
}

public enum AccessRequestStatus: String, Sendable, Equatable, CaseIterable {
    case pending, approved, denied
}

/// A single-use link to create an account. Only a hash of its token is stored.
public struct Invite: Sendable, Equatable, Identifiable {
    public var id: String
    public var email: String
    /// The access request it answers, if any.
    public var requestID: String?
    public var createdBy: String?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var revokedAt: Date?

    public init(id: String, email: String, requestID: String?, createdBy: String?, createdAt: Date, expiresAt: Date,
                usedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.email = email
        self.requestID = requestID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }

    public func state(at now: Date) -> InviteState {
        if usedAt != nil { return .used }
        if revokedAt != nil { return .revoked }
        if expiresAt <= now { return .expired }
        return .open
    }
}

public enum InviteState: String, Sendable, Equatable {
    case open, used, expired, revoked
}

/// An API key as listed: never the secret, only its id and last four characters.
public struct APIKey: Sendable, Equatable, Identifiable {
    /// The public id, the `<id>` in `bsk_<id>_<secret><checksum>`.
    public var id: String
    public var memberID: String
    public var name: String
    /// The key's last four characters, for `bsk_<id>_…<last4>`.
    public var last4: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// Overrides of the member's limits.
    public var limits: Limits
    /// Requests and tokens used with this key, all time.
    public var requests: Int
    public var tokens: Int

    public init(id: String, memberID: String, name: String, last4: String, createdAt: Date, lastUsedAt: Date?, expiresAt: Date?,
                revokedAt: Date?, limits: Limits, requests: Int, tokens: Int) {
        self.id = id
        self.memberID = memberID
        self.name = name
        self.last4 = last4
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.limits = limits
        self.requests = requests
        self.tokens = tokens
    }

    /// `bsk_<id>_…<last4>`: how a key is shown after it was created.
    public var displayPrefix: String { "bsk_\(id)_…\(last4)" }

    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }
}

/// A signed-in browser.
public struct Session: Sendable, Equatable {
    public var memberID: String
    /// The synchronizer token every form of this session carries.
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(memberID: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.memberID = memberID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A key that authenticated, with its member and the limits in force.
public struct KeyAuthentication: Sendable, Equatable {
    public var key: APIKey
    public var member: Member
    /// The key's overrides over the member's limits.
    public var limits: Limits
    /// Requests of this key that may run at once: the key's setting, else its
    /// member's; nil: the server's default.
    public var maxConcurrency: Int?

    public init(key: APIKey, member: Member, limits: Limits, maxConcurrency: Int? = nil) {
        self.key = key
        self.member = member
        self.limits = limits
        self.maxConcurrency = maxConcurrency
    }
}

/// One API request, as recorded for accounting.
public struct UsageRecord: Sendable, Equatable {
    public var memberID: String
    public var keyID: String?
    public var model: String?
    public var route: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var status: Int
    public var latencyMilliseconds: Int
    public var time: Date
    /// The request's `user` field.
    public var user: String?
    /// The tokens reserved for the request at admission, which recording it
    /// replaces by the tokens it actually used; nil when none were reserved.
    public var reservation: TokenReservation?
    /// The `X-Request-Id` the response carried.
    public var requestID: String?
    /// Milliseconds the request waited for its turn among its key's requests.
    public var queueMilliseconds: Int?
    /// `interactive` or `batch`, as the client's `X-Workload` said.
    public var workload: String?

    public init(memberID: String, keyID: String?, model: String?, route: String, promptTokens: Int, completionTokens: Int,
                status: Int, latencyMilliseconds: Int, time: Date, user: String? = nil, reservation: TokenReservation? = nil,
                requestID: String? = nil, queueMilliseconds: Int? = nil, workload: String? = nil) {
        self.memberID = memberID
        self.keyID = keyID
        self.model = model
        self.route = route
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.time = time
        self.user = user
        self.reservation = reservation
        self.requestID = requestID
        self.queueMilliseconds = queueMilliseconds
        self.workload = workload
    }
}

/// Usage summed over one UTC day.
public struct DailyUsage: Sendable, Equatable {
    /// `yyyy-MM-dd`, UTC.
    public var day: String
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int

    public init(day: String, requests: Int, promptTokens: Int, completionTokens: Int) {
        self.day = day
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// One admin (or system) action.
public struct AuditEntry: Sendable, Equatable {
    public var time: Date
    /// The admin's member id; nil for the command line or the system.
    public var actorID: String?
    public var actorEmail: String?
    /// e.g. `request.approve`, `member.suspend`, `key.revoke`.
    public var action: String
    /// What was acted on (an id or an email).
    public var target: String
    public var detail: String?

    public init(time: Date, actorID: String?, actorEmail: String?, action: String, target: String, detail: String?) {
        self.time = time
        self.actorID = actorID
        self.actorEmail = actorEmail
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// Whether a request may go ahead under its limits.
public enum LimitDecision: Sendable, Equatable {
    case allowed(LimitStatus)
    /// Over a limit: which one, and when to try again.
    case limited(LimitStatus, limit: String, retryAfterSeconds: Int)
}

/// What the `x-ratelimit-*` headers report (nil: no such limit): the API's own type.
public typealias LimitStatus = RateLimitReport

/// Tokens held in rate windows for a request in flight: its worst case, added
/// at admission so that concurrent requests cannot together overshoot a token
/// limit, and replaced by what it used when its usage is recorded.
public struct TokenReservation: Sendable, Equatable {
    public var tokens: Int
    /// The windows that hold the tokens.
    public var windows: [RateWindow]

    public init(tokens: Int, windows: [RateWindow]) {
        self.tokens = tokens
        self.windows = windows
    }
}

/// One fixed window of `rate_windows`: whose (`member:<id>`, `key:<id>`),
/// which kind (`minute`, `day`) and which one (minutes or days since 1970).
public struct RateWindow: Sendable, Equatable {
    public var subject: String
    public var kind: String
    public var window: Int64

    public init(subject: String, kind: String, window: Int64) {
        self.subject = subject
        self.kind = kind
        self.window = window
    }
}

/// Whether a request's worst case fits what remains of its token limits.
public enum ReservationDecision: Sendable, Equatable {
    /// Held; the status counts the reservation as used.
    case reserved(TokenReservation, LimitStatus)
    /// Does not fit now: which limit, and when its window ends.
    case limited(LimitStatus, limit: String, retryAfterSeconds: Int)
    /// More than the whole limit (`maximum` tokens): it can never fit, however long one waits.
    case exceedsLimit(LimitStatus, limit: String, maximum: Int)
}
