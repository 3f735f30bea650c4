import API
import Foundation
import Logging

/// Batch lines run as the key that created their batch: its limits, budgets
/// and usage account, read afresh for every line, as a request's key is.
public struct BatchKeyPrincipals: BatchPrincipals {
    let store: SQLAccessStore
    let logger: Logger

    public init(store: SQLAccessStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func principal(keyID: String) async throws -> Principal? {
        guard let found = try await store.keyAuthentication(keyID: keyID), found.key.pausedAt == nil else { return nil }
        return Principal(name: found.key.displayPrefix, allowedModels: found.limits.allowedModels.map(Set.init),
                         account: MemberAccount(store: store, authentication: found, logger: logger),
                         maxConcurrency: found.maxConcurrency, memberID: found.member.id, keyID: found.key.id)
    }
}

extension SQLAccessStore {
    /// A usable key's authentication by its id, without its secret: for work
    /// the key asked for earlier (a batch's lines). Nil when the key is revoked
    /// or expired, or its member is not active.
    public func keyAuthentication(keyID: String) async throws -> KeyAuthentication? {
        guard let row = try await query("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?", [.text(keyID)]).first else { return nil }
        let apiKey = try Self.key(row)
        guard apiKey.isUsable(at: now()), let owner = try await member(id: apiKey.memberID), owner.status == .active else { return nil }
        return KeyAuthentication(key: apiKey, member: owner, limits: apiKey.limits.overriding(owner.limits),
                                 accountMonthlyBudget: owner.monthlyTokenBudget ?? defaultMonthlyTokenBudget,
                                 maxConcurrency: apiKey.maxConcurrency ?? owner.maxConcurrency)
    }
}
