import Foundation

/// One API request as the usage pages and their CSV show it.
public struct UsageEntry: Sendable, Equatable {
    public var time: Date
    public var memberID: String
    /// nil when the member is gone.
    public var memberEmail: String?
    public var keyID: String?
    /// The key's name and `bsk_<id>_…<last4>`; nil when the key is gone.
    public var keyName: String?
    public var keyPrefix: String?
    public var model: String?
    public var route: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var status: Int
    public var latencyMilliseconds: Int
    public var requestID: String?
    public var queueMilliseconds: Int?
    public var workload: String?
    /// The request's `user` field.
    public var user: String?

    public var tokens: Int { promptTokens + completionTokens }
}

/// Requests and tokens of one member's key and model on one UTC day, from the
/// daily roll-up (which outlives the raw rows).
public struct UsageBreakdown: Sendable, Equatable {
    /// `yyyy-MM-dd`, UTC.
    public var day: String
    public var memberID: String
    /// nil: requests without a key.
    public var keyID: String?
    public var model: String?
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int

    public var tokens: Int { promptTokens + completionTokens }
}

/// Requests and tokens with one `X-Workload` value (nil: none given).
public struct WorkloadTotal: Sendable, Equatable {
    public var workload: String?
    public var requests: Int
    public var tokens: Int
}

/// The token budgets set on members and keys (absent: none set), for the
/// usage page's bars.
public struct TokenBudgets: Sendable, Equatable {
    public var memberMonthly: [String: Int] = [:]
    public var keyMonthly: [String: Int] = [:]
    public var keyDaily: [String: Int] = [:]

    public init(memberMonthly: [String: Int] = [:], keyMonthly: [String: Int] = [:], keyDaily: [String: Int] = [:]) {
        self.memberMonthly = memberMonthly
        self.keyMonthly = keyMonthly
        self.keyDaily = keyDaily
    }
}

/// One UTC calendar month up to a moment in it: what the usage pages report on.
public struct UsagePeriod: Sendable, Equatable {
    /// The first and the last day shown, `yyyy-MM-dd` (the last is the day of `now`).
    public var days: [String]
    /// The month's first millisecond, and the end of the period (exclusive).
    public var start: Date
    public var end: Date
    /// `yyyy-MM`.
    public var month: String { String(days[0].prefix(7)) }

    /// The UTC month that holds `now`, from its first day to `now`'s day.
    public static func month(containing now: Date) -> UsagePeriod {
        let ms = now.unixMilliseconds
        let today = UTCDay.number(ms: ms)
        let todayName = UTCDay.string(day: today)
        let dayOfMonth = Int64(todayName.suffix(2)) ?? 1
        let first = today - (dayOfMonth - 1)
        return UsagePeriod(days: (first...today).map { UTCDay.string(day: $0) },
                           start: Date(unixMilliseconds: first * UTCDay.milliseconds),
                           end: Date(unixMilliseconds: (today + 1) * UTCDay.milliseconds))
    }
}
