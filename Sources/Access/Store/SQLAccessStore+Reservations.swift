import Foundation

/// Token reservations: a request's worst case is added to its token windows
/// before any work, and `record` later replaces it by the tokens it used.
///
/// A reservation lives in the same fixed windows as the tokens it stands for.
/// If the server dies between reserve and settle, the reserved tokens are never
/// given back, but the windows expire by themselves (the next minute, the next
/// UTC day) and are pruned, so a crash can cost a member at most the rest of
/// one window, never lock them out for good.
extension SQLAccessStore {
    public func reserve(tokens: Int, for auth: KeyAuthentication, at date: Date) async throws -> ReservationDecision {
        guard tokens >= 0 else { throw AccessError.invalid("A reservation cannot be negative.") }
        let ms = date.unixMilliseconds
        let minute = ms / Self.minuteMilliseconds
        let day = UTCDay.number(ms: ms)
        let holds = Self.tokenHolds(auth, minute: minute, day: day,
                                    secondsToMinuteEnd: Self.secondsUntil((minute + 1) * Self.minuteMilliseconds, from: ms),
                                    secondsToDayEnd: Self.secondsUntil((day + 1) * UTCDay.milliseconds, from: ms))

        // More than a whole limit can never run: say so without touching a window.
        if let hold = holds.first(where: { $0.limit.map { tokens > $0 } ?? false }), let limit = hold.limit {
            let status = LimitStatus(tokenLimit: limit)
            return .exceedsLimit(status, limit: hold.name, maximum: limit)
        }

        let outcome = try await transaction { connection -> ReservationOutcome in
            var held: [Int] = []
            for (i, hold) in holds.enumerated() {
                // Adds the tokens only where they fit, in one statement: the
                // database serialises concurrent upserts on the row, so no burst
                // of reservations together overshoots the limit.
                let row = try await connection.first(
                    """
                    INSERT INTO rate_windows (subject, kind, window_key, requests, tokens) VALUES (?, ?, ?, 0, ?)
                    ON CONFLICT (subject, kind, window_key) DO UPDATE SET tokens = rate_windows.tokens + excluded.tokens
                    WHERE rate_windows.tokens + excluded.tokens <= ?
                    RETURNING tokens
                    """,
                    [.text(hold.window.subject), .text(hold.window.kind), .int(hold.window.window), .int(tokens),
                     .int(hold.limit ?? Int.max)])
                if let row {
                    held.append(try row.int("tokens"))
                    continue
                }
                // This window is full: the windows before it give their share back,
                // in the same transaction, so a refusal holds nothing.
                for earlier in holds[..<i] {
                    try await Self.addTokens(connection, -tokens, to: earlier.window)
                }
                let current = try await connection.first(
                    "SELECT tokens FROM rate_windows WHERE subject = ? AND kind = ? AND window_key = ?",
                    [.text(hold.window.subject), .text(hold.window.kind), .int(hold.window.window)])
                return .refused(hold: i, tokensInWindow: try current?.int("tokens") ?? 0)
            }
            return .reserved(tokensInWindows: held)
        }
        await pruneWindowsIfDue(minute: minute)

        switch outcome {
        case .refused(let i, let inWindow):
            let hold = holds[i]
            let limit = hold.limit ?? 0
            let status = LimitStatus(tokenLimit: limit, tokensRemaining: max(0, limit - inWindow))
            return .limited(status, limit: hold.name, retryAfterSeconds: hold.retryAfter)
        case .reserved(let inWindows):
            // As `admit`, the token headers report the tighter limit, now with the reservation counted.
            var status = LimitStatus()
            let figures = zip(holds, inWindows).compactMap { hold, inWindow in
                hold.limit.map { (limit: $0, remaining: max(0, $0 - inWindow)) }
            }
            if let tightest = figures.min(by: { $0.remaining < $1.remaining }) {
                status.tokenLimit = tightest.limit
                status.tokensRemaining = tightest.remaining
            }
            return .reserved(TokenReservation(tokens: tokens, windows: holds.map(\.window)), status)
        }
    }

    /// Adds `tokens` (negative to give back) to a window that exists; a window
    /// already pruned has nothing left to correct.
    static func addTokens(_ connection: any SQLConnection, _ tokens: Int, to window: RateWindow) async throws {
        try await connection.query(
            "UPDATE rate_windows SET tokens = tokens + ? WHERE subject = ? AND kind = ? AND window_key = ?",
            [.int(tokens), .text(window.subject), .text(window.kind), .int(window.window)])
    }

    /// The windows a request's tokens go to, as `record` charges them: the
    /// member's always, the key's too when it has limits of its own. Each
    /// carries the token limit that reads it, if any: a limit the key
    /// overrides is read on the key's window, the member's on the member's.
    private static func tokenHolds(_ auth: KeyAuthentication, minute: Int64, day: Int64,
                                   secondsToMinuteEnd: Int, secondsToDayEnd: Int) -> [TokenHold] {
        let key = auth.key.limits
        let member = auth.member.limits
        let memberSubject = "member:\(auth.member.id)"
        var holds = [
            TokenHold(window: RateWindow(subject: memberSubject, kind: "minute", window: minute),
                      limit: key.tokensPerMinute == nil ? member.tokensPerMinute : nil,
                      name: "tokens per minute", retryAfter: secondsToMinuteEnd),
            TokenHold(window: RateWindow(subject: memberSubject, kind: "day", window: day),
                      limit: key.tokensPerDay == nil ? member.tokensPerDay : nil,
                      name: "tokens per day", retryAfter: secondsToDayEnd),
        ]
        if keyHasOverrides(key) {
            let keySubject = "key:\(auth.key.id)"
            holds.append(TokenHold(window: RateWindow(subject: keySubject, kind: "minute", window: minute),
                                   limit: key.tokensPerMinute, name: "tokens per minute", retryAfter: secondsToMinuteEnd))
            holds.append(TokenHold(window: RateWindow(subject: keySubject, kind: "day", window: day),
                                   limit: key.tokensPerDay, name: "tokens per day", retryAfter: secondsToDayEnd))
        }
        return holds
    }
}

/// A window a reservation goes to, with the limit it must fit (nil: none) and
/// what a refusal there says.
private struct TokenHold: Sendable {
    var window: RateWindow
    var limit: Int?
    var name: String
    var retryAfter: Int
}

private enum ReservationOutcome: Sendable {
    /// The tokens now in each window, the reservation included.
    case reserved(tokensInWindows: [Int])
    /// Refused at `holds[hold]`, which holds `tokensInWindow` tokens.
    case refused(hold: Int, tokensInWindow: Int)
}
