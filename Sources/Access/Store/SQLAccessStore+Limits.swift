import Foundation

/// Fixed-window limits. Windows live in `rate_windows` by subject:
/// `member:<id>` always, and `key:<id>` for a key with its own overrides. A
/// limit the key overrides is counted on the key's windows (that key alone);
/// a member's limit on the member's (all its keys together).
extension SQLAccessStore {
    static let minuteMilliseconds: Int64 = 60_000

    public func admit(_ auth: KeyAuthentication, at date: Date) async throws -> LimitDecision {
        let ms = date.unixMilliseconds
        let minute = ms / Self.minuteMilliseconds
        let day = UTCDay.number(ms: ms)
        let key = auth.key.limits
        let effective = key.overriding(auth.member.limits)
        let memberSubject = "member:\(auth.member.id)"
        let keySubject = Self.keyHasOverrides(key) ? "key:\(auth.key.id)" : nil

        let windows = try await transaction { connection -> AdmissionWindows in
            let memberMinute = try await Self.countRequest(connection, subject: memberSubject, kind: "minute", window: minute)
            let memberDay = try await Self.countRequest(connection, subject: memberSubject, kind: "day", window: day)
            var windows = AdmissionWindows(minute: memberMinute, day: memberDay, keyMinute: nil, keyDay: nil)
            if let keySubject {
                windows.keyMinute = try await Self.countRequest(connection, subject: keySubject, kind: "minute", window: minute)
                windows.keyDay = try await Self.countRequest(connection, subject: keySubject, kind: "day", window: day)
            }
            return windows
        }
        await pruneWindowsIfDue(minute: minute)

        // Each limit reads the window of whoever set it.
        let requestsThisMinute = (key.requestsPerMinute != nil ? windows.keyMinute : nil)?.requests ?? windows.minute.requests
        let tokensThisMinute = (key.tokensPerMinute != nil ? windows.keyMinute : nil)?.tokens ?? windows.minute.tokens
        let tokensToday = (key.tokensPerDay != nil ? windows.keyDay : nil)?.tokens ?? windows.day.tokens

        let secondsToMinuteEnd = Self.secondsUntil((minute + 1) * Self.minuteMilliseconds, from: ms)
        let secondsToDayEnd = Self.secondsUntil((day + 1) * UTCDay.milliseconds, from: ms)

        var status = LimitStatus()
        if let limit = effective.requestsPerMinute {
            status.requestLimit = limit
            status.requestsRemaining = max(0, limit - requestsThisMinute)
        }
        // The token headers report the tighter of the two token limits.
        var tokenFigures: [(limit: Int, remaining: Int)] = []
        if let limit = effective.tokensPerMinute { tokenFigures.append((limit, max(0, limit - tokensThisMinute))) }
        if let limit = effective.tokensPerDay { tokenFigures.append((limit, max(0, limit - tokensToday))) }
        if let tightest = tokenFigures.min(by: { $0.remaining < $1.remaining }) {
            status.tokenLimit = tightest.limit
            status.tokensRemaining = tightest.remaining
        }

        // Over several limits: report the one that lasts longest.
        var refusal: (limit: String, retryAfter: Int)?
        func refuse(_ limit: String, _ seconds: Int) {
            if refusal == nil || seconds > refusal!.retryAfter { refusal = (limit, seconds) }
        }
        if let limit = effective.requestsPerMinute, requestsThisMinute > limit { refuse("requests per minute", secondsToMinuteEnd) }
        if let limit = effective.tokensPerMinute, tokensThisMinute >= limit { refuse("tokens per minute", secondsToMinuteEnd) }
        if let limit = effective.tokensPerDay, tokensToday >= limit { refuse("tokens per day", secondsToDayEnd) }
        if let refusal {
            return .limited(status, limit: refusal.limit, retryAfterSeconds: refusal.retryAfter)
        }
        return .allowed(status)
    }

    static func keyHasOverrides(_ limits: Limits) -> Bool {
        limits.requestsPerMinute != nil || limits.tokensPerMinute != nil || limits.tokensPerDay != nil
    }

    /// Whole seconds until `end`, at least 1 (a Retry-After of 0 invites a spin).
    static func secondsUntil(_ end: Int64, from ms: Int64) -> Int {
        max(1, Int((end - ms + 999) / 1000))
    }

    /// Adds one request to a window and reads it back, in one statement: the
    /// database serialises concurrent upserts on the row, so each caller sees
    /// its own count and no burst slips past a limit.
    private static func countRequest(_ connection: any SQLConnection, subject: String, kind: String,
                                     window: Int64) async throws -> WindowCount {
        let row = try await connection.first(
            """
            INSERT INTO rate_windows (subject, kind, window_key, requests, tokens) VALUES (?, ?, ?, 1, 0)
            ON CONFLICT (subject, kind, window_key) DO UPDATE SET requests = rate_windows.requests + 1
            RETURNING requests, tokens
            """,
            [.text(subject), .text(kind), .int(window)])
        guard let row else { throw SQLDatabaseError.decoding("upsert … RETURNING gave no row") }
        return WindowCount(requests: try row.int("requests"), tokens: try row.int("tokens"))
    }

    /// Adds tokens to a window (creating it), for `record`.
    static func chargeTokens(_ connection: any SQLConnection, subject: String, kind: String, window: Int64,
                             tokens: Int) async throws {
        try await connection.query(
            """
            INSERT INTO rate_windows (subject, kind, window_key, requests, tokens) VALUES (?, ?, ?, 0, ?)
            ON CONFLICT (subject, kind, window_key) DO UPDATE SET tokens = rate_windows.tokens + excluded.tokens
            """,
            [.text(subject), .text(kind), .int(window), .int(tokens)])
    }
}

private struct WindowCount: Sendable {
    var requests: Int
    var tokens: Int
}

private struct AdmissionWindows: Sendable {
    var minute: WindowCount
    var day: WindowCount
    var keyMinute: WindowCount?
    var keyDay: WindowCount?
}
