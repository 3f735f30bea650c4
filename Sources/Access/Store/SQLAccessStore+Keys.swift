import API
import Foundation

extension SQLAccessStore {
    public func createKey(memberID: String, name: String, expiresAt: Date?, limits: Limits, budgets: KeyBudgets,
                          by: String?) async throws -> IssuedKey {
        let name = try Self.required(name, "A key name")
        let binds = try Self.limitBinds(limits)
        let time = now()
        let format = APIKeyFormat.make()
        // Committed before it is returned: a key shown to its owner exists.
        let key = try await transaction { connection in
            // The account budget is read in the same transaction the key is written in.
            try await Self.checkKeyBudgets(connection, budgets, memberID: memberID, default: self.defaultMonthlyTokenBudget)
            let row = try await connection.first(
                "INSERT INTO api_keys (id, member_id, name, secret_hash, last4, created_at, expires_at, requests_per_minute, tokens_per_minute, tokens_per_day, allowed_models, monthly_token_budget, daily_token_budget) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING \(Self.keyColumns)",
                [.text(format.id), .text(memberID), .text(name), .text(format.secretDigest), .text(format.last4), .time(time),
                 .optionalTime(expiresAt)] + binds + [.optional(budgets.monthly), .optional(budgets.daily)])
            guard let row else { throw SQLDatabaseError.decoding("INSERT … RETURNING gave no row") }
            let key = try Self.key(row)
            try await Self.writeAudit(connection, time: time, action: "key.create", target: key.id,
                                      detail: "\(name) for \(memberID)", by: by)
            return key
        }
        return IssuedKey(key: key, secret: format.text)
    }

    public func keys(memberID: String) async throws -> [APIKey] {
        try await query("SELECT \(Self.keyColumns) FROM api_keys WHERE member_id = ? ORDER BY created_at DESC, id", [.text(memberID)])
            .map(Self.key)
    }

    public func allKeys() async throws -> [APIKey] {
        try await query("SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at DESC, id").map(Self.key)
    }

    public func revokeKey(id: String, memberID: String?, by: String?) async throws {
        let time = now()
        // The owner condition is part of the statement, so one member can
        // never revoke another's key by guessing its id.
        let owner = memberID.map { _ in " AND member_id = ?" } ?? ""
        let ownerBind: [SQLValue] = memberID.map { [.text($0)] } ?? []
        try await transaction { connection in
            let revoked = try await connection.first(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL\(owner) RETURNING id",
                [.time(time), .text(id)] + ownerBind)
            guard revoked != nil else {
                guard try await connection.first("SELECT id FROM api_keys WHERE id = ?\(owner)", [.text(id)] + ownerBind) != nil else {
                    throw AccessError.notFound("No such key.")
                }
                return  // already revoked
            }
            try await Self.writeAudit(connection, time: time, action: "key.revoke", target: id, detail: memberID, by: by)
        }
    }

    public func renameKey(id: String, memberID: String?, name: String, by: String?) async throws {
        let name = try Self.required(name, "A key name").trimmingCharacters(in: .whitespacesAndNewlines)
        let time = now()
        let (owner, ownerBind) = Self.ownerCondition(memberID)
        try await transaction { connection in
            let renamed = try await connection.first("UPDATE api_keys SET name = ? WHERE id = ?\(owner) RETURNING id",
                                                     [.text(name), .text(id)] + ownerBind)
            guard renamed != nil else { throw AccessError.notFound("No such key.") }
            try await Self.writeAudit(connection, time: time, action: "key.rename", target: id, detail: name, by: by)
        }
    }

    public func setKeyPaused(id: String, memberID: String?, paused: Bool, by: String?) async throws {
        let time = now()
        let (owner, ownerBind) = Self.ownerCondition(memberID)
        try await transaction { connection in
            guard let row = try await connection.first("SELECT revoked_at, paused_at FROM api_keys WHERE id = ?\(owner)",
                                                       [.text(id)] + ownerBind) else {
                throw AccessError.notFound("No such key.")
            }
            guard try row.optionalTime("revoked_at") == nil else {
                throw AccessError.conflict("This key is revoked; a revoked key cannot be paused or resumed.")
            }
            // Already in the state asked for: nothing changes and nothing is logged.
            guard (try row.optionalTime("paused_at") != nil) != paused else { return }
            try await connection.query("UPDATE api_keys SET paused_at = ? WHERE id = ?",
                                       [paused ? SQLValue.time(time) : SQLValue.null, .text(id)])
            try await Self.writeAudit(connection, time: time, action: paused ? "key.pause" : "key.resume", target: id,
                                      detail: memberID, by: by)
        }
    }

    /// ` AND member_id = ?` and its bind when acting for a member: the owner
    /// condition is part of the statement, so one member can never change
    /// another's key by guessing its id.
    static func ownerCondition(_ memberID: String?) -> (String, [SQLValue]) {
        (memberID.map { _ in " AND member_id = ?" } ?? "", memberID.map { [.text($0)] } ?? [])
    }

    public func setKeyLimits(id: String, limits: Limits, by: String?) async throws {
        let time = now()
        let binds = try Self.limitBinds(limits)
        try await transaction { connection in
            let updated = try await connection.first(
                "UPDATE api_keys SET requests_per_minute = ?, tokens_per_minute = ?, tokens_per_day = ?, allowed_models = ? WHERE id = ? RETURNING id",
                binds + [.text(id)])
            guard updated != nil else { throw AccessError.notFound("No such key.") }
            try await Self.writeAudit(connection, time: time, action: "key.limits", target: id,
                                      detail: Self.describe(limits), by: by)
        }
    }

    public func authenticate(key: String) async throws -> KeyAuthentication? {
        // Shape and checksum first: typos and junk never reach the database.
        guard let format = APIKeyFormat(parsing: key) else { return nil }
        let time = now()
        guard let row = try await query("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?", [.text(format.id)]).first else {
            return nil
        }
        let stored = Array(try row.text("secret_hash").utf8)
        guard Secrets.constantTimeEqual(stored, Array(format.secretDigest.utf8)) else { return nil }
        var apiKey = try Self.key(row)
        guard apiKey.isUsable(at: time),
              let owner = try await member(id: apiKey.memberID), owner.status == .active else { return nil }
        // A paused key is known but refused: the caller says so (`key_paused`)
        // instead of calling it unknown. It is not marked used.
        if apiKey.pausedAt != nil {
            return KeyAuthentication(key: apiKey, member: owner, limits: apiKey.limits.overriding(owner.limits),
                                     accountMonthlyBudget: owner.monthlyTokenBudget ?? defaultMonthlyTokenBudget)
        }
        // Monotonic: concurrent requests never move it backwards.
        try await query("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                        [.time(time), .text(apiKey.id), .time(time)])
        apiKey.lastUsedAt = Date(unixMilliseconds: time.unixMilliseconds)
        return KeyAuthentication(key: apiKey, member: owner, limits: apiKey.limits.overriding(owner.limits),
                                 accountMonthlyBudget: owner.monthlyTokenBudget ?? defaultMonthlyTokenBudget,
                                 maxConcurrency: apiKey.maxConcurrency ?? owner.maxConcurrency)
    }
}
