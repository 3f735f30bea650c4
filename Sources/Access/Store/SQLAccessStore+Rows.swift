import Foundation

/// Rows into models, and limits into columns. Column lists are spelled once
/// here so every query returns what the decoders read.
extension SQLAccessStore {
    static let memberColumns = "id, email, name, is_admin, status, requests_per_minute, tokens_per_minute, tokens_per_day, allowed_models, created_at, monthly_token_budget, max_concurrency"
    static let requestColumns = "id, name, email, affiliation, note, status, review_note, reviewed_by, created_at, reviewed_at"
    static let inviteColumns = "id, email, request_id, created_by, created_at, expires_at, used_at, revoked_at"
    static let keyColumns = "id, member_id, name, secret_hash, last4, created_at, last_used_at, expires_at, revoked_at, requests_per_minute, tokens_per_minute, tokens_per_day, allowed_models, requests, tokens, paused_at, monthly_token_budget, daily_token_budget, max_concurrency"

    static func member(_ row: SQLRow) throws -> Member {
        guard let status = MemberStatus(rawValue: try row.text("status")) else {
            throw SQLDatabaseError.decoding("unknown member status")
        }
        var member = Member(id: try row.text("id"), email: try row.text("email"), name: try row.text("name"),
                            isAdmin: try row.bool("is_admin"), status: status, limits: try limits(row),
                            createdAt: try row.time("created_at"), monthlyTokenBudget: try row.optionalInt("monthly_token_budget"))
        member.maxConcurrency = try row.optionalInt("max_concurrency")
        return member
    }

    static func request(_ row: SQLRow) throws -> AccessRequest {
        guard let status = AccessRequestStatus(rawValue: try row.text("status")) else {
            throw SQLDatabaseError.decoding("unknown request status")
        }
        return AccessRequest(id: try row.text("id"), name: try row.text("name"), email: try row.text("email"),
                             affiliation: try row.optionalText("affiliation"), note: try row.text("note"), status: status,
                             reviewNote: try row.optionalText("review_note"), reviewedBy: try row.optionalText("reviewed_by"),
                             createdAt: try row.time("created_at"), reviewedAt: try row.optionalTime("reviewed_at"))
    }

    static func invite(_ row: SQLRow) throws -> Invite {
        Invite(id: try row.text("id"), email: try row.text("email"), requestID: try row.optionalText("request_id"),
               createdBy: try row.optionalText("created_by"), createdAt: try row.time("created_at"),
               expiresAt: try row.time("expires_at"), usedAt: try row.optionalTime("used_at"),
               revokedAt: try row.optionalTime("revoked_at"))
    }

    static func key(_ row: SQLRow) throws -> APIKey {
        var key = APIKey(id: try row.text("id"), memberID: try row.text("member_id"), name: try row.text("name"),
               last4: try row.text("last4"), createdAt: try row.time("created_at"),
               lastUsedAt: try row.optionalTime("last_used_at"), expiresAt: try row.optionalTime("expires_at"),
               revokedAt: try row.optionalTime("revoked_at"), limits: try limits(row),
               requests: try row.int("requests"), tokens: try row.int("tokens"),
               pausedAt: try row.optionalTime("paused_at"),
               budgets: KeyBudgets(monthly: try row.optionalInt("monthly_token_budget"),
                                   daily: try row.optionalInt("daily_token_budget")))
        key.maxConcurrency = try row.optionalInt("max_concurrency")
        return key
    }

    static func limits(_ row: SQLRow) throws -> Limits {
        Limits(requestsPerMinute: try row.optionalInt("requests_per_minute"),
               tokensPerMinute: try row.optionalInt("tokens_per_minute"),
               tokensPerDay: try row.optionalInt("tokens_per_day"),
               allowedModels: try decodeModels(try row.optionalText("allowed_models")))
    }

    /// The four limit columns' values, in `memberColumns`/`keyColumns` order.
    static func limitBinds(_ limits: Limits) throws -> [SQLValue] {
        for value in [limits.requestsPerMinute, limits.tokensPerMinute, limits.tokensPerDay] {
            if let value, value < 0 { throw AccessError.invalid("A limit cannot be negative.") }
        }
        return [.optional(limits.requestsPerMinute), .optional(limits.tokensPerMinute), .optional(limits.tokensPerDay),
                .optional(try encodeModels(limits.allowedModels))]
    }

    static func encodeModels(_ models: [String]?) throws -> String? {
        guard let models else { return nil }
        let data = try JSONEncoder().encode(models)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeModels(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw SQLDatabaseError.decoding("allowed_models is not a JSON list of names")
        }
    }

    static func describe(_ limits: Limits) -> String {
        func show(_ value: Int?) -> String { value.map(String.init) ?? "none" }
        let models = limits.allowedModels.map { $0.joined(separator: ",") } ?? "all"
        return "requests/min \(show(limits.requestsPerMinute)), tokens/min \(show(limits.tokensPerMinute)), tokens/day \(show(limits.tokensPerDay)), models \(models)"
    }
}
