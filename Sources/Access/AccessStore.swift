import Foundation

/// Everything BaseServe keeps about who may use it: access requests, invites,
/// members, sessions, API keys, limits, usage and the audit log. One protocol,
/// so the API, the pages and the command line never know which database is
/// behind it (SQLite by default, PostgreSQL for operators who outgrow a machine).
///
/// Secrets never reach the database in the clear: invite, session and setup
/// tokens and API key secrets are stored as SHA-256 digests, passwords as
/// bcrypt hashes. Every method that changes something an admin did takes the
/// acting admin (`by`, nil for the command line) and writes the audit log in
/// the same transaction.
public protocol AccessStore: WorkbenchStore, Sendable {
    // MARK: Access requests

    /// Stores a pending request; a second pending request for the same email
    /// (case-insensitive) updates that one instead of adding another.
    func submitRequest(name: String, email: String, affiliation: String?, note: String) async throws -> AccessRequest
    func requests(status: AccessRequestStatus?) async throws -> [AccessRequest]
    func request(id: String) async throws -> AccessRequest?
    /// Approves a pending request and creates its invite (one transaction), or
    /// denies it. Throws `AccessError.notFound` or `.conflict` (not pending).
    func approveRequest(id: String, note: String?, inviteLifetime: TimeInterval, by: String?) async throws -> (AccessRequest, IssuedInvite)
    func denyRequest(id: String, note: String?, by: String?) async throws -> AccessRequest

    // MARK: Invites

    /// An invite for `email`, not tied to a request.
    func createInvite(email: String, lifetime: TimeInterval, by: String?) async throws -> IssuedInvite
    /// The invite behind a token, whatever its state; nil for an unknown token.
    func invite(token: String) async throws -> Invite?
    func invites() async throws -> [Invite]
    func revokeInvite(id: String, by: String?) async throws
    /// Uses an open invite to create its member, atomically (`UPDATE … WHERE
    /// used_at IS NULL AND revoked_at IS NULL AND expires_at > now`): a token
    /// works once. Throws `AccessError.inviteUnusable(state)` otherwise.
    func claimInvite(token: String, name: String, passwordHash: String) async throws -> Member

    // MARK: Members

    /// Throws `AccessError.conflict` when the email is taken.
    func createMember(email: String, name: String, passwordHash: String, isAdmin: Bool, by: String?) async throws -> Member
    func member(id: String) async throws -> Member?
    func member(email: String) async throws -> Member?
    func members() async throws -> [Member]
    func hasAdmin() async throws -> Bool
    /// The bcrypt hash to check a sign-in against.
    func passwordHash(memberID: String) async throws -> String?
    func setStatus(memberID: String, status: MemberStatus, by: String?) async throws
    func setLimits(memberID: String, limits: Limits, by: String?) async throws

    // MARK: First admin

    /// A one-time token that lets whoever holds it create the first admin
    /// account (printed by the server on first start with no admin).
    func createSetupToken(lifetime: TimeInterval) async throws -> String
    /// Creates the first admin with a setup token, atomically; fails once any
    /// admin exists or the token was used or expired (`AccessError.inviteUnusable`).
    func claimSetupToken(_ token: String, email: String, name: String, passwordHash: String) async throws -> Member

    // MARK: Sign-in and sessions

    /// Failed (or still unchecked) sign-ins for an email since `since`.
    func failedSignIns(email: String, since: Date) async throws -> Int
    /// Counts a sign-in attempt for `email` before its password is checked, in
    /// one atomic step: nil (nothing recorded) when `maxFailures` attempts since
    /// `since` failed or are still being checked, so at most that many passwords
    /// are checked per email and window however many attempts arrive at once.
    /// Otherwise the attempt's id; it counts as a failure until `signInSucceeded`.
    func beginSignIn(email: String, since: Date, maxFailures: Int) async throws -> String?
    /// Marks an attempt from `beginSignIn` as a success, so a member's own
    /// sign-in does not count against their email.
    func signInSucceeded(attemptID: String) async throws
    /// A new session with a fresh random token (never one the browser sent).
    func createSession(memberID: String, lifetime: TimeInterval) async throws -> IssuedSession
    /// The live session and its member; nil when unknown or expired.
    func session(token: String) async throws -> (Session, Member)?
    func deleteSession(token: String) async throws

    // MARK: API keys

    /// A new key; the returned secret exists in the database before it is returned.
    /// Its budgets must fit the account's monthly budget (else `.invalid`).
    func createKey(memberID: String, name: String, expiresAt: Date?, limits: Limits, budgets: KeyBudgets,
                   by: String?) async throws -> IssuedKey
    func keys(memberID: String) async throws -> [APIKey]
    func allKeys() async throws -> [APIKey]
    /// Revokes a key; with `memberID`, only if it is that member's (else `.notFound`).
    func revokeKey(id: String, memberID: String?, by: String?) async throws
    func setKeyLimits(id: String, limits: Limits, by: String?) async throws
    /// Renames a key; with `memberID`, only if it is that member's (else `.notFound`).
    func renameKey(id: String, memberID: String?, name: String, by: String?) async throws
    /// Pauses or resumes a key (audited); with `memberID`, only that member's.
    /// A revoked key is `.conflict`; asking for the state it is in changes nothing.
    func setKeyPaused(id: String, memberID: String?, paused: Bool, by: String?) async throws
    /// The key and member behind a bearer key, or nil when the key is malformed
    /// (checked without a database hit), unknown, revoked, expired or its member
    /// suspended. The secret's digest is compared in constant time. A paused
    /// key is returned with `key.pausedAt` set: callers must refuse it, saying
    /// it is paused (read on every request, so a pause holds at once).
    func authenticate(key: String) async throws -> KeyAuthentication?

    // MARK: Budgets

    /// The monthly budget of members without their own (`--monthly-token-budget`); nil: none.
    var defaultMonthlyTokenBudget: Int? { get }

    /// Sets a member's own monthly token budget; nil: the server's default.
    func setMonthlyBudget(memberID: String, tokens: Int?, by: String?) async throws
    /// Sets a key's budgets; with `memberID`, only that member's key. Each must
    /// be positive and within the account's monthly budget (else `.invalid`).
    func setKeyBudgets(id: String, memberID: String?, budgets: KeyBudgets, by: String?) async throws
    /// A member's budgets and what this UTC month and day used of them.
    func budgetUsage(memberID: String, at: Date) async throws -> BudgetUsage

    // MARK: Limits and usage

    /// Counts one request against the per-minute request window and checks the
    /// token windows, in one atomic step per window, so no burst gets past a
    /// limit. A refused request is counted too.
    func admit(_ auth: KeyAuthentication, at: Date) async throws -> LimitDecision
    /// Reserves `tokens` (a request's worst case) in every token window of the
    /// key and its member (minute, day and UTC month), atomically: either all
    /// windows hold it, or none does; a window refuses when the rate limit or
    /// budget on it would be exceeded (`.overBudget` for a budget). Concurrent reservations are serialised by the
    /// database, so together they never exceed a limit. `record` settles it.
    func reserve(tokens: Int, for auth: KeyAuthentication, at: Date) async throws -> ReservationDecision
    /// Records a finished request and charges its tokens to the token windows
    /// and to the key's totals; the daily roll-up is updated in the same
    /// transaction. With a reservation, the reserved tokens are replaced by
    /// the tokens used, in that same transaction.
    func record(_ usage: UsageRecord) async throws
    /// Usage per UTC day for the last `days` days (oldest first, days without use included).
    func dailyUsage(memberID: String?, days: Int, now: Date) async throws -> [DailyUsage]
    /// Deletes raw usage rows older than `before` (the daily roll-ups stay).
    func pruneUsage(before: Date) async throws -> Int
    /// Requests between `from` and `to` (exclusive), newest first; one member's or everyone's.
    func usageEntries(memberID: String?, from: Date, to: Date, limit: Int?) async throws -> [UsageEntry]
    /// The daily roll-up over `period`, by day, member, key and model.
    func usageBreakdown(memberID: String?, period: UsagePeriod) async throws -> [UsageBreakdown]
    /// Requests and tokens over `period` by `X-Workload`.
    func workloadTotals(memberID: String?, period: UsagePeriod) async throws -> [WorkloadTotal]
    /// The monthly and daily token budgets set on members and keys.
    func tokenBudgets(memberID: String?) async throws -> TokenBudgets

    // MARK: Queued concurrency
    /// A member's own number of requests per key that may run at once (nil: the server's default).
    func setMemberConcurrency(memberID: String, maxConcurrency: Int?, by: String?) async throws
    /// A key's own number of requests that may run at once (nil: its member's, else the server's default).
    func setKeyConcurrency(id: String, maxConcurrency: Int?, by: String?) async throws
    func concurrencyOverrides() async throws -> ConcurrencyOverrides

    // MARK: Audit

    func audit(action: String, target: String, detail: String?, by: String?) async throws
    func auditLog(limit: Int) async throws -> [AuditEntry]
}

extension AccessStore {
    /// A new key without budgets of its own.
    public func createKey(memberID: String, name: String, expiresAt: Date?, limits: Limits, by: String?) async throws -> IssuedKey {
        try await createKey(memberID: memberID, name: name, expiresAt: expiresAt, limits: limits, budgets: .none, by: by)
    }
}

/// A new invite and its token (shown once; only its hash is stored).
public struct IssuedInvite: Sendable, Equatable {
    public var invite: Invite
    public var token: String
    public init(invite: Invite, token: String) {
        self.invite = invite
        self.token = token
    }
    /// The invite's path on this server.
    public var path: String { "/invite/\(token)" }
}

public struct IssuedSession: Sendable, Equatable {
    public var session: Session
    /// The cookie value.
    public var token: String
    public init(session: Session, token: String) {
        self.session = session
        self.token = token
    }
}

public struct IssuedKey: Sendable, Equatable {
    public var key: APIKey
    /// The whole key, `bsk_<id>_<secret><checksum>`, shown once.
    public var secret: String
    public init(key: APIKey, secret: String) {
        self.key = key
        self.secret = secret
    }
}

public enum AccessError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    /// The action does not fit the current state (e.g. a request already reviewed, an email taken).
    case conflict(String)
    case inviteUnusable(InviteState)
    case invalid(String)
    /// The database failed or could not be reached.
    case database(String)

    public var description: String {
        switch self {
        case .notFound(let m), .conflict(let m), .invalid(let m), .database(let m): return m
        case .inviteUnusable(let state):
            switch state {
            case .used: return "This invite has already been used."
            case .expired: return "This invite has expired."
            case .revoked: return "This invite was revoked."
            case .open: return "This invite is open."
            }
        }
    }
}
