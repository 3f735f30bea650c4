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
    /// The account's own monthly token budget (prompt plus completion, all
    /// keys together, per UTC calendar month); nil: the server's default.
    public var monthlyTokenBudget: Int?
    /// Requests of each of the member's keys that may run at once; nil: the server's default.
    public var maxConcurrency: Int?

    public init(id: String, email: String, name: String, isAdmin: Bool, status: MemberStatus, limits: Limits, createdAt: Date,
                monthlyTokenBudget: Int? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.isAdmin = isAdmin
        self.status = status
        self.limits = limits
        self.createdAt = createdAt
        self.monthlyTokenBudget = monthlyTokenBudget
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
    /// When the key was paused; nil while it works. A paused key is refused
    /// with `key_paused` until it is resumed.
    public var pausedAt: Date?
    /// The key's own token budgets, within its member's account budget.
    public var budgets: KeyBudgets
    /// Requests of this key that may run at once; nil: its member's setting.
    public var maxConcurrency: Int?

    public init(id: String, memberID: String, name: String, last4: String, createdAt: Date, lastUsedAt: Date?, expiresAt: Date?,
                revokedAt: Date?, limits: Limits, requests: Int, tokens: Int, pausedAt: Date? = nil, budgets: KeyBudgets = .none) {
        self.pausedAt = pausedAt
        self.budgets = budgets
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

    /// What the key lists show: revoked, expired, paused or active.
    public func state(at now: Date) -> String {
        if revokedAt != nil { return "revoked" }
        if !isUsable(at: now) { return "expired" }
        return pausedAt != nil ? "paused" : "active"
    }
}

/// A key's token budgets (prompt plus completion); nil: none of its own.
public struct KeyBudgets: Sendable, Equatable {
    /// Tokens per UTC calendar month.
    public var monthly: Int?
    /// Tokens per UTC day.
    public var daily: Int?

    public init(monthly: Int? = nil, daily: Int? = nil) {
        self.monthly = monthly
        self.daily = daily
    }

    public static let none = KeyBudgets()
}

/// A member's budgets and what is used of them, as the dashboard shows them.
/// Used counts include tokens reserved by requests still running.
public struct BudgetUsage: Sendable, Equatable {
    /// The account's monthly budget in force (its own or the server's default); nil: none.
    public var accountMonthlyBudget: Int?
    /// Whether `accountMonthlyBudget` is the server's default.
    public var accountBudgetIsDefault: Bool
    public var accountUsedThisMonth: Int
    /// Per key id: its tokens this UTC month and this UTC day.
    public var keys: [String: KeyBudgetUse]
    /// When the month and the day reset.
    public var monthResetsAt: Date
    public var dayResetsAt: Date

    public init(accountMonthlyBudget: Int?, accountBudgetIsDefault: Bool, accountUsedThisMonth: Int,
                keys: [String: KeyBudgetUse], monthResetsAt: Date, dayResetsAt: Date) {
        self.accountMonthlyBudget = accountMonthlyBudget
        self.accountBudgetIsDefault = accountBudgetIsDefault
        self.accountUsedThisMonth = accountUsedThisMonth
        self.keys = keys
        self.monthResetsAt = monthResetsAt
        self.dayResetsAt = dayResetsAt
    }
}

/// One key's tokens in the current UTC month and day.
public struct KeyBudgetUse: Sendable, Equatable {
    public var month: Int
    public var day: Int

    public init(month: Int, day: Int) {
        self.month = month
        self.day = day
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
    /// The account's monthly token budget in force: the member's own, else
    /// the server's default; nil: none.
    public var accountMonthlyBudget: Int?
    /// Requests of this key that may run at once: the key's setting, else its
    /// member's; nil: the server's default.
    public var maxConcurrency: Int?

    public init(key: APIKey, member: Member, limits: Limits, accountMonthlyBudget: Int? = nil, maxConcurrency: Int? = nil) {
        self.key = key
        self.member = member
        self.limits = limits
        self.accountMonthlyBudget = accountMonthlyBudget
        self.maxConcurrency = maxConcurrency
    }

    /// Whether any token budget applies to this key's requests.
    public var hasBudgets: Bool {
        accountMonthlyBudget != nil || key.budgets.monthly != nil || key.budgets.daily != nil
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
/// which kind (`minute`, `day`, `month`) and which one (minutes or days since
/// 1970, or UTC months as `year * 12 + month - 1`).
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
    /// Over a token budget, now or as a whole: no waiting short of its reset helps.
    case overBudget(LimitStatus, BudgetRefusal)
}
