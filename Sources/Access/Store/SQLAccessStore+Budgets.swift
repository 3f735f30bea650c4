import Foundation

/// Token budgets: an account's monthly total (the member's own, else the
/// server's default) and a key's own monthly and daily budgets within it.
/// They are enforced by the reservations (`reserve`), on `month` windows and
/// the key's `day` window; here they are set, checked and read back.
extension SQLAccessStore {
    public func setMonthlyBudget(memberID: String, tokens: Int?, by: String?) async throws {
        if let tokens, tokens <= 0 { throw AccessError.invalid("A monthly budget must be a positive number of tokens.") }
        let time = now()
        try await transaction { connection in
            let updated = try await connection.first("UPDATE members SET monthly_token_budget = ? WHERE id = ? RETURNING email",
                                                     [.optional(tokens), .text(memberID)])
            guard updated != nil else { throw AccessError.notFound("No such member.") }
            try await Self.writeAudit(connection, time: time, action: "member.budget", target: memberID,
                                      detail: "monthly \(tokens.map(String.init) ?? "default")", by: by)
        }
    }

    public func setKeyBudgets(id: String, memberID: String?, budgets: KeyBudgets, by: String?) async throws {
        let time = now()
        let (owner, ownerBind) = Self.ownerCondition(memberID)
        try await transaction { connection in
            guard let row = try await connection.first("SELECT member_id FROM api_keys WHERE id = ?\(owner)", [.text(id)] + ownerBind) else {
                throw AccessError.notFound("No such key.")
            }
            try await Self.checkKeyBudgets(connection, budgets, memberID: try row.text("member_id"), default: self.defaultMonthlyTokenBudget)
            try await connection.query("UPDATE api_keys SET monthly_token_budget = ?, daily_token_budget = ? WHERE id = ?",
                                       [.optional(budgets.monthly), .optional(budgets.daily), .text(id)])
            try await Self.writeAudit(connection, time: time, action: "key.budget", target: id,
                                      detail: "monthly \(budgets.monthly.map(String.init) ?? "none"), daily \(budgets.daily.map(String.init) ?? "none")",
                                      by: by)
        }
    }

    public func budgetUsage(memberID: String, at date: Date) async throws -> BudgetUsage {
        guard let member = try await member(id: memberID) else { throw AccessError.notFound("No such member.") }
        let ms = date.unixMilliseconds
        let month = UTCMonth.number(ms: ms)
        let day = UTCDay.number(ms: ms)
        let keyIDs = try await query("SELECT id FROM api_keys WHERE member_id = ?", [.text(memberID)]).map { try $0.text("id") }
        // The windows the reservations read, so the page shows what they enforce
        // (tokens of requests still running included).
        var windows: [String: Int] = [:]
        for row in try await query(
            """
            SELECT subject, kind, tokens FROM rate_windows
            WHERE ((kind = 'month' AND window_key = ?) OR (kind = 'day' AND window_key = ?))
              AND (subject = ? OR subject IN (SELECT 'key:' || id FROM api_keys WHERE member_id = ?))
            """, [.int(month), .int(day), .text("member:\(memberID)"), .text(memberID)]) {
            windows["\(try row.text("subject"))/\(try row.text("kind"))"] = try row.int("tokens")
        }
        var keys: [String: KeyBudgetUse] = [:]
        for id in keyIDs {
            keys[id] = KeyBudgetUse(month: max(0, windows["key:\(id)/month"] ?? 0), day: max(0, windows["key:\(id)/day"] ?? 0))
        }
        return BudgetUsage(accountMonthlyBudget: member.monthlyTokenBudget ?? defaultMonthlyTokenBudget,
                           accountBudgetIsDefault: member.monthlyTokenBudget == nil && defaultMonthlyTokenBudget != nil,
                           accountUsedThisMonth: max(0, windows["member:\(memberID)/month"] ?? 0), keys: keys,
                           monthResetsAt: Date(unixMilliseconds: UTCMonth.start(month: month + 1)),
                           dayResetsAt: Date(unixMilliseconds: (day + 1) * UTCDay.milliseconds))
    }

    /// A key's budgets must be positive, the daily no larger than the monthly,
    /// and neither above the account's monthly budget (its own, else `default`).
    /// Throws `.notFound` for an unknown member, `.invalid` with the reason otherwise.
    static func checkKeyBudgets(_ connection: any SQLConnection, _ budgets: KeyBudgets, memberID: String,
                                default fallback: Int?) async throws {
        guard let row = try await connection.first("SELECT monthly_token_budget FROM members WHERE id = ?", [.text(memberID)]) else {
            throw AccessError.notFound("No such member.")
        }
        for value in [budgets.monthly, budgets.daily] {
            if let value, value <= 0 { throw AccessError.invalid("A key budget must be a positive number of tokens, or none.") }
        }
        if let monthly = budgets.monthly, let daily = budgets.daily, daily > monthly {
            throw AccessError.invalid("The key's daily budget (\(daily) tokens) cannot be above its monthly budget (\(monthly) tokens).")
        }
        guard let account = try row.optionalInt("monthly_token_budget") ?? fallback else { return }
        for (name, value) in [("monthly", budgets.monthly), ("daily", budgets.daily)] {
            if let value, value > account {
                throw AccessError.invalid("The key's \(name) budget (\(value) tokens) cannot be above the account's monthly budget of \(account) tokens.")
            }
        }
    }
}
