import API
import Foundation

/// Token reservations: a request's worst case is added to its token windows
/// before any work, and `record` later replaces it by the tokens it used.
///
/// A reservation lives in the same fixed windows as the tokens it stands for.
/// If the server dies between reserve and settle, the reserved tokens are never
/// given back, but the windows expire by themselves (the next minute, the next
/// UTC day or month) and are pruned, so a crash can cost a member at most the
/// rest of one window, never lock them out for good.
///
/// Budgets ride on the same windows: the account's monthly budget on the
/// member's `month` window, the key's monthly budget on the key's, and the
/// key's daily budget on the key's `day` window, the one its own tokens-per-day
/// limit reads too. One window holds a request's tokens once, under the
/// tighter of the two.
extension SQLAccessStore {
    public func reserve(tokens: Int, for auth: KeyAuthentication, at date: Date) async throws -> ReservationDecision {
        guard tokens >= 0 else { throw AccessError.invalid("A reservation cannot be negative.") }
        let ms = date.unixMilliseconds
        let minute = ms / Self.minuteMilliseconds
        let holds = Self.tokenHolds(auth, ms: ms)

        // More than a whole limit or budget can never run: say so without touching a window.
        if let hold = holds.first(where: { $0.limit.map { tokens > $0 } ?? false }), let limit = hold.limit {
            switch hold.refusal {
            case .rate(let name, _):
                return .exceedsLimit(LimitStatus(tokenLimit: limit), limit: name, maximum: limit)
            case .budget(let name, let resetsAt):
                return .overBudget(LimitStatus(), BudgetRefusal(budget: name, size: limit, used: 0, requested: tokens,
                                                                resetsAt: resetsAt))
            }
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
            switch hold.refusal {
            case .rate(let name, let retryAfter):
                let status = LimitStatus(tokenLimit: limit, tokensRemaining: max(0, limit - inWindow))
                return .limited(status, limit: name, retryAfterSeconds: retryAfter)
            case .budget(let name, let resetsAt):
                return .overBudget(LimitStatus(), BudgetRefusal(budget: name, size: limit, used: inWindow, requested: tokens,
                                                                resetsAt: resetsAt))
            }
        case .reserved(let inWindows):
            // As `admit`, the token headers report the tighter rate limit, now
            // with the reservation counted (budgets are not rate limits: they
            // have no header of their own).
            var status = LimitStatus()
            let figures = zip(holds, inWindows).compactMap { hold, inWindow -> (limit: Int, remaining: Int)? in
                guard let limit = hold.rateLimit else { return nil }
                return (limit, max(0, limit - inWindow))
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

    /// The windows a request's tokens go to, in the order they are reserved;
    /// `record` charges the same ones. The member's minute, day and month
    /// always; the key's day and month always (its daily and monthly budgets
    /// read them, and a budget set mid-month must see the month so far); the
    /// key's minute when it overrides a limit.
    static func tokenWindows(memberID: String, keyID: String?, keyHasOverrides: Bool, ms: Int64) -> [RateWindow] {
        let minute = ms / minuteMilliseconds
        let day = UTCDay.number(ms: ms)
        let month = UTCMonth.number(ms: ms)
        let member = "member:\(memberID)"
        var windows = [
            RateWindow(subject: member, kind: "minute", window: minute),
            RateWindow(subject: member, kind: "day", window: day),
            RateWindow(subject: member, kind: "month", window: month),
        ]
        if let keyID {
            let key = "key:\(keyID)"
            if keyHasOverrides { windows.append(RateWindow(subject: key, kind: "minute", window: minute)) }
            windows.append(RateWindow(subject: key, kind: "day", window: day))
            windows.append(RateWindow(subject: key, kind: "month", window: month))
        }
        return windows
    }

    /// Each of the request's windows with the limit that reads it, if any: a
    /// rate limit the key overrides is read on the key's window, the member's
    /// on the member's; budgets as the extension's comment says.
    private static func tokenHolds(_ auth: KeyAuthentication, ms: Int64) -> [TokenHold] {
        let key = auth.key.limits
        let member = auth.member.limits
        let minuteEnd = secondsUntil((ms / minuteMilliseconds + 1) * minuteMilliseconds, from: ms)
        let dayEndMs = (UTCDay.number(ms: ms) + 1) * UTCDay.milliseconds
        let monthEnd = Date(unixMilliseconds: UTCMonth.start(month: UTCMonth.number(ms: ms) + 1))
        let isKey = { (window: RateWindow) in window.subject.hasPrefix("key:") }
        return tokenWindows(memberID: auth.member.id, keyID: auth.key.id, keyHasOverrides: keyHasOverrides(key), ms: ms).map { window in
            switch (window.kind, isKey(window)) {
            case ("minute", false):
                return TokenHold(window: window, rate: key.tokensPerMinute == nil ? member.tokensPerMinute : nil,
                                 rateName: "tokens per minute", retryAfter: minuteEnd)
            case ("minute", true):
                return TokenHold(window: window, rate: key.tokensPerMinute, rateName: "tokens per minute", retryAfter: minuteEnd)
            case ("day", false):
                return TokenHold(window: window, rate: key.tokensPerDay == nil ? member.tokensPerDay : nil,
                                 rateName: "tokens per day", retryAfter: secondsUntil(dayEndMs, from: ms))
            case ("day", true):
                return TokenHold(window: window, rate: key.tokensPerDay, rateName: "tokens per day",
                                 retryAfter: secondsUntil(dayEndMs, from: ms),
                                 budget: auth.key.budgets.daily, budgetName: "key daily",
                                 resetsAt: Date(unixMilliseconds: dayEndMs))
            case (_, false):
                return TokenHold(window: window, budget: auth.accountMonthlyBudget, budgetName: "account monthly", resetsAt: monthEnd)
            default:
                return TokenHold(window: window, budget: auth.key.budgets.monthly, budgetName: "key monthly", resetsAt: monthEnd)
            }
        }
    }
}

/// A window a reservation goes to, with the limit it must fit (nil: none) and
/// what a refusal there says: the tighter of its rate limit and its budget,
/// the budget where they are equal.
private struct TokenHold: Sendable {
    var window: RateWindow
    var limit: Int?
    var refusal: HoldRefusal
    /// The rate limit alone, for the `x-ratelimit-*` headers.
    var rateLimit: Int?

    init(window: RateWindow, rate: Int? = nil, rateName: String = "", retryAfter: Int = 1,
         budget: Int? = nil, budgetName: String = "", resetsAt: Date = Date()) {
        self.window = window
        rateLimit = rate
        if let budget, rate.map({ budget <= $0 }) ?? true {
            limit = budget
            refusal = .budget(name: budgetName, resetsAt: resetsAt)
        } else {
            limit = rate
            refusal = .rate(name: rateName, retryAfter: retryAfter)
        }
    }
}

private enum HoldRefusal: Sendable {
    /// A rate limit: retry when its window ends.
    case rate(name: String, retryAfter: Int)
    /// A budget: spent until it resets.
    case budget(name: String, resetsAt: Date)
}

private enum ReservationOutcome: Sendable {
    /// The tokens now in each window, the reservation included.
    case reserved(tokensInWindows: [Int])
    /// Refused at `holds[hold]`, which holds `tokensInWindow` tokens.
    case refused(hold: Int, tokensInWindow: Int)
}
