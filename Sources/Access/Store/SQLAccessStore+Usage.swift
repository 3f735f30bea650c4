import Foundation

extension SQLAccessStore {
    public func record(_ usage: UsageRecord) async throws {
        guard usage.promptTokens >= 0, usage.completionTokens >= 0 else {
            throw AccessError.invalid("Token counts cannot be negative.")
        }
        let ms = usage.time.unixMilliseconds
        let tokens = usage.promptTokens + usage.completionTokens
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO usage (id, member_id, key_id, model, route, prompt_tokens, completion_tokens, status, latency_ms, time, end_user, request_id, queue_ms, workload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [.text(Self.newID()), .text(usage.memberID), .optional(usage.keyID), .optional(usage.model), .text(usage.route),
                 .int(usage.promptTokens), .int(usage.completionTokens), .int(usage.status), .int(usage.latencyMilliseconds),
                 .int(ms), .optional(usage.user), .optional(usage.requestID), .optional(usage.queueMilliseconds),
                 .optional(usage.workload)])
            try await connection.query(
                """
                INSERT INTO usage_daily (member_id, key_id, model, day, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (member_id, key_id, model, day) DO UPDATE SET
                    requests = usage_daily.requests + 1,
                    prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens
                """,
                [.text(usage.memberID), .text(usage.keyID ?? ""), .text(usage.model ?? ""), .text(UTCDay.string(ms: ms)),
                 .int(usage.promptTokens), .int(usage.completionTokens)])

            // The key's totals, and whether it keeps a minute window of its own.
            var keyHasOverrides = false
            if let keyID = usage.keyID {
                let key = try await connection.first(
                    "UPDATE api_keys SET requests = requests + 1, tokens = tokens + ? WHERE id = ? RETURNING requests_per_minute, tokens_per_minute, tokens_per_day, allowed_models",
                    [.int(tokens), .text(keyID)])
                if let key { keyHasOverrides = Self.keyHasOverrides(try Self.limits(key)) }
            }
            if let reservation = usage.reservation {
                // Settles the reservation: its windows now hold what the request used.
                for window in reservation.windows {
                    try await Self.addTokens(connection, tokens - reservation.tokens, to: window)
                }
                return
            }
            guard tokens > 0 else { return }
            // The same windows a reservation would have held.
            for window in Self.tokenWindows(memberID: usage.memberID, keyID: usage.keyID, keyHasOverrides: keyHasOverrides, ms: ms) {
                try await Self.chargeTokens(connection, subject: window.subject, kind: window.kind, window: window.window,
                                            tokens: tokens)
            }
        }
    }

    public func dailyUsage(memberID: String?, days: Int, now date: Date) async throws -> [DailyUsage] {
        guard days > 0 else { return [] }
        let today = UTCDay.number(ms: date.unixMilliseconds)
        let first = today - Int64(days - 1)
        let names = (first...today).map { UTCDay.string(day: $0) }
        // SUM of BIGINT is NUMERIC in PostgreSQL: cast back so both read integers.
        var sql = """
            SELECT day, CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(prompt_tokens) AS BIGINT) AS prompt_tokens,
                   CAST(SUM(completion_tokens) AS BIGINT) AS completion_tokens
            FROM usage_daily WHERE day >= ? AND day <= ?
            """
        var binds: [SQLValue] = [.text(names[0]), .text(names[names.count - 1])]
        if let memberID {
            sql += " AND member_id = ?"
            binds.append(.text(memberID))
        }
        sql += " GROUP BY day"
        var totals: [String: DailyUsage] = [:]
        for row in try await query(sql, binds) {
            let day = try row.text("day")
            totals[day] = DailyUsage(day: day, requests: try row.int("requests"), promptTokens: try row.int("prompt_tokens"),
                                     completionTokens: try row.int("completion_tokens"))
        }
        return names.map { totals[$0] ?? DailyUsage(day: $0, requests: 0, promptTokens: 0, completionTokens: 0) }
    }

    public func pruneUsage(before date: Date) async throws -> Int {
        try await transaction { connection in
            let cutoff = SQLValue.time(date)
            let count = try await connection.first("SELECT COUNT(*) AS n FROM usage WHERE time < ?", [cutoff])?.int("n") ?? 0
            try await connection.query("DELETE FROM usage WHERE time < ?", [cutoff])
            return count
        }
    }
}
