import API
import Foundation
import Logging

/// The API's authentication over the access store: members' `bsk_…` keys, with
/// their limits and usage records, and the operators' `--api-key` keys beside them.
public struct AccessGate: APIKeyAuthenticator {
    let store: any AccessStore
    let operatorKeys: StaticAPIKeys
    let logger: Logger

    public init(store: any AccessStore, operatorKeys: [String], logger: Logger) {
        self.store = store
        self.operatorKeys = StaticAPIKeys(keys: operatorKeys)
        self.logger = logger
    }

    public func authenticate(key: String) async throws -> Principal? {
        guard key.hasPrefix("bsk_") else { return try await operatorKeys.authenticate(key: key) }
        let found: KeyAuthentication?
        do {
            found = try await store.authenticate(key: key)
        } catch {
            logger.error("access store failed while checking a key: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
        guard let found else { return nil }
        return try principal(for: found)
    }

    /// The principal for a key found some other way (the Workbench's session
    /// names one): the same limits, queue, budgets and usage as a bearer key.
    public func principal(for found: KeyAuthentication) throws -> Principal {
        // Checked on every request against the database: a pause holds at once.
        if found.key.pausedAt != nil { throw Self.paused(found.key) }
        return Principal(name: found.key.displayPrefix, allowedModels: found.limits.allowedModels.map(Set.init),
                         account: MemberAccount(store: store, authentication: found, logger: logger),
                         maxConcurrency: found.maxConcurrency, memberID: found.member.id, keyID: found.key.id)
    }

    /// The 401 for a paused key: it is known and its secret right, but it may
    /// not be used until its owner or an admin resumes it.
    static func paused(_ key: APIKey) -> APIError {
        APIError(.keyPaused,
                 "This API key (\(key.displayPrefix)) is paused. Its owner can resume it on the dashboard (/dashboard), or an admin with `baseserve admin resume-key \(key.id)`.")
    }
}

/// A member's limits and usage, for one request.
struct MemberAccount: RequestAccount {
    let store: any AccessStore
    let authentication: KeyAuthentication
    let logger: Logger
    /// The request's token reservation, until `record` settles it.
    private let reservation = ReservationHolder()

    init(store: any AccessStore, authentication: KeyAuthentication, logger: Logger) {
        self.store = store
        self.authentication = authentication
        self.logger = logger
    }

    func admit() async throws -> Admission {
        let decision: LimitDecision
        do {
            decision = try await store.admit(authentication, at: Date())
        } catch {
            logger.error("access store failed while checking limits: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
        switch decision {
        case .allowed(let status):
            return .allowed(status)
        case .limited(let status, let limit, let retryAfter):
            return .limited(status, limit: limit, retryAfterSeconds: retryAfter)
        }
    }

    func reserve(tokens: Int) async throws -> TokenAdmission {
        let limits = authentication.key.limits.overriding(authentication.member.limits)
        // Without token limits or budgets there is nothing to hold; `record` charges the tokens used.
        guard limits.tokensPerMinute != nil || limits.tokensPerDay != nil || authentication.hasBudgets else {
            return .reserved(RateLimitReport())
        }
        let decision: ReservationDecision
        do {
            decision = try await store.reserve(tokens: tokens, for: authentication, at: Date())
        } catch {
            logger.error("access store failed while reserving tokens: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
        switch decision {
        case .reserved(let held, let status):
            reservation.set(held)
            return .reserved(status)
        case .limited(let status, let limit, let retryAfter):
            return .limited(status, limit: limit, retryAfterSeconds: retryAfter)
        case .exceedsLimit(let status, let limit, let maximum):
            return .exceedsLimit(status, limit: limit, maximum: maximum)
        case .overBudget(let status, let refusal):
            return .overBudget(status, refusal)
        }
    }

    func record(_ usage: RequestUsage) async {
        let record = UsageRecord(
            memberID: authentication.member.id, keyID: authentication.key.id, model: usage.model, route: usage.route,
            promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, status: usage.status,
            latencyMilliseconds: usage.latencyMilliseconds, time: Date(), user: usage.user, reservation: reservation.take(),
            requestID: usage.requestID, queueMilliseconds: usage.queueMilliseconds, workload: usage.workload?.rawValue)
        do {
            try await store.record(record)
        } catch {
            // The response is already written; the operator must hear of it.
            logger.error("usage of key \(authentication.key.displayPrefix) could not be recorded: \(error)")
        }
    }
}

/// Keeps one request's reservation between `reserve` and `record`.
private final class ReservationHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var held: TokenReservation?

    func set(_ reservation: TokenReservation) { lock.withLock { held = reservation } }

    /// The reservation, once: settling it twice would give its tokens back twice.
    func take() -> TokenReservation? {
        lock.withLock {
            defer { held = nil }
            return held
        }
    }
}
