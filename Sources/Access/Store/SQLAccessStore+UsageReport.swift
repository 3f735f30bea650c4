import Foundation

/// What the usage pages read: raw request rows, the daily roll-up by key and
/// model, totals by workload, and the budgets set (read straight from their
/// columns; setting and enforcing them is the budget code's job).
extension SQLAccessStore {
    public func usageEntries(memberID: String?, from start: Date, to end: Date, limit: Int?) async throws -> [UsageEntry] {
        var sql = """
            SELECT u.time, u.member_id, m.email, u.key_id, k.name AS key_name, k.last4, u.model, u.route, u.prompt_tokens,
                   u.completion_tokens, u.status, u.latency_ms, u.request_id, u.queue_ms, u.workload, u.end_user
            FROM usage u LEFT JOIN members m ON m.id = u.member_id LEFT JOIN api_keys k ON k.id = u.key_id
            WHERE u.time >= ? AND u.time < ?
            """
        var binds: [SQLValue] = [.time(start), .time(end)]
        if let memberID {
            sql += " AND u.member_id = ?"
            binds.append(.text(memberID))
        }
        sql += " ORDER BY u.time DESC, u.id DESC"
        if let limit {
            sql += " LIMIT ?"
            binds.append(.int(max(0, limit)))
        }
        return try await query(sql, binds).map { row in
            let keyID = try row.optionalText("key_id")
            let last4 = try row.optionalText("last4")
            return UsageEntry(
                time: try row.time("time"), memberID: try row.text("member_id"), memberEmail: try row.optionalText("email"),
                keyID: keyID, keyName: try row.optionalText("key_name"),
                keyPrefix: keyID.flatMap { id in last4.map { "bsk_\(id)_…\($0)" } },
                model: try row.optionalText("model"), route: try row.text("route"), promptTokens: try row.int("prompt_tokens"),
                completionTokens: try row.int("completion_tokens"), status: try row.int("status"),
                latencyMilliseconds: try row.int("latency_ms"), requestID: try row.optionalText("request_id"),
                queueMilliseconds: try row.optionalInt("queue_ms"), workload: try row.optionalText("workload"),
                user: try row.optionalText("end_user"))
        }
    }

    public func usageBreakdown(memberID: String?, period: UsagePeriod) async throws -> [UsageBreakdown] {
        var sql = """
            SELECT day, member_id, key_id, model, requests, prompt_tokens, completion_tokens
            FROM usage_daily WHERE day >= ? AND day <= ?
            """
        var binds: [SQLValue] = [.text(period.days[0]), .text(period.days[period.days.count - 1])]
        if let memberID {
            sql += " AND member_id = ?"
            binds.append(.text(memberID))
        }
        sql += " ORDER BY day, member_id, key_id, model"
        // The roll-up keeps "no key" and "no model" as empty strings (they are part of its key).
        return try await query(sql, binds).map { row in
            let keyID = try row.text("key_id"), model = try row.text("model")
            return UsageBreakdown(day: try row.text("day"), memberID: try row.text("member_id"),
                                  keyID: keyID.isEmpty ? nil : keyID, model: model.isEmpty ? nil : model,
                                  requests: try row.int("requests"), promptTokens: try row.int("prompt_tokens"),
                                  completionTokens: try row.int("completion_tokens"))
        }
    }

    public func workloadTotals(memberID: String?, period: UsagePeriod) async throws -> [WorkloadTotal] {
        var sql = """
            SELECT workload, COUNT(*) AS requests, CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT) AS tokens
            FROM usage WHERE time >= ? AND time < ?
            """
        var binds: [SQLValue] = [.time(period.start), .time(period.end)]
        if let memberID {
            sql += " AND member_id = ?"
            binds.append(.text(memberID))
        }
        sql += " GROUP BY workload ORDER BY workload"
        return try await query(sql, binds).map { row in
            WorkloadTotal(workload: try row.optionalText("workload"), requests: try row.int("requests"), tokens: try row.int("tokens"))
        }
    }

    public func tokenBudgets(memberID: String?) async throws -> TokenBudgets {
        var budgets = TokenBudgets()
        let memberFilter = memberID.map { _ in " AND id = ?" } ?? ""
        let keyFilter = memberID.map { _ in " AND member_id = ?" } ?? ""
        let binds: [SQLValue] = memberID.map { [.text($0)] } ?? []
        for row in try await query("SELECT id, monthly_token_budget FROM members WHERE monthly_token_budget IS NOT NULL\(memberFilter)", binds) {
            budgets.memberMonthly[try row.text("id")] = try row.int("monthly_token_budget")
        }
        for row in try await query(
            "SELECT id, monthly_token_budget, daily_token_budget FROM api_keys WHERE (monthly_token_budget IS NOT NULL OR daily_token_budget IS NOT NULL)\(keyFilter)",
            binds) {
            let id = try row.text("id")
            budgets.keyMonthly[id] = try row.optionalInt("monthly_token_budget")
            budgets.keyDaily[id] = try row.optionalInt("daily_token_budget")
        }
        return budgets
    }
}
