import Foundation
import Testing
@testable import Access

/// Token budgets (account monthly, key monthly, key daily) on UTC calendar
/// periods, held by the same reservations as the rate limits.
@Suite struct BudgetTests {
    /// A UTC instant, from Foundation's own calendar (not the store's arithmetic).
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0,
                    ms: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
        return Date(unixMilliseconds: date.unixMilliseconds + Int64(ms))
    }

    /// A member with `monthly` as their own budget, one key with `budgets`
    /// and `limits`, and that key's authentication.
    private func memberKey(_ store: SQLAccessStore, monthly: Int?, budgets: KeyBudgets = .none,
                           limits: Limits = .none) async throws -> (Member, IssuedKey, KeyAuthentication) {
        let member = try await makeMember(store)
        try await store.setMonthlyBudget(memberID: member.id, tokens: monthly, by: nil)
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: limits, budgets: budgets, by: nil)
        return (member, issued, try #require(try await store.authenticate(key: issued.secret)))
    }

    private func usage(_ member: Member, _ key: IssuedKey, tokens: Int, at time: Date,
                       settling reservation: TokenReservation?) -> UsageRecord {
        UsageRecord(memberID: member.id, keyID: key.key.id, model: "m", route: "/v1/completions", promptTokens: tokens,
                    completionTokens: 0, status: 200, latencyMilliseconds: 5, time: time, reservation: reservation)
    }

    private func windowTokens(_ store: SQLAccessStore, _ subject: String, _ kind: String) async throws -> [Int] {
        try await store.database.query("SELECT tokens FROM rate_windows WHERE subject = ? AND kind = ? ORDER BY window_key",
                                       [.text(subject), .text(kind)]).map { try $0.int("tokens") }
    }

    @Test func monthNumbersAndStartsAgreeWithTheCalendar() {
        for (year, month) in [(1970, 1), (2024, 2), (2026, 12), (2027, 1), (2028, 2), (2028, 3), (2100, 3)] {
            let start = Self.utc(year, month, 1).unixMilliseconds
            let number = UTCMonth.number(ms: start)
            #expect(number == Int64(year * 12 + month - 1))
            #expect(UTCMonth.start(month: number) == start)
            #expect(UTCMonth.number(ms: start - 1) == number - 1)
        }
    }

    @Test(arguments: Backend.all)
    func theAccountBudgetResetsAtTheFirstMillisecondOfTheNextUTCMonth(_ backend: Backend) async throws {
        let lastMs = Self.utc(2026, 12, 31, 23, 59, 59, ms: 999)
        let firstMs = Self.utc(2027, 1, 1)
        let clock = TestClock(lastMs)
        try await withStore(backend, now: { clock.now }) { store, _ in
            let (_, _, auth) = try await memberKey(store, monthly: 100)
            guard case .reserved = try await store.reserve(tokens: 100, for: auth, at: lastMs) else {
                Issue.record("the whole budget fits an empty month")
                return
            }
            guard case .overBudget(_, let refusal) = try await store.reserve(tokens: 1, for: auth, at: lastMs) else {
                Issue.record("one more token in December is over the account's budget")
                return
            }
            #expect(refusal.budget == "account monthly")
            #expect(refusal.size == 100)
            #expect(refusal.used == 100)
            #expect(refusal.resetsAt == firstMs)
            let december = try await store.budgetUsage(memberID: auth.member.id, at: lastMs)
            #expect(december.accountUsedThisMonth == 100)
            #expect(december.monthResetsAt == firstMs)

            clock.set(firstMs)
            guard case .reserved = try await store.reserve(tokens: 100, for: auth, at: firstMs) else {
                Issue.record("January starts with the whole budget")
                return
            }
            #expect(try await store.budgetUsage(memberID: auth.member.id, at: firstMs).accountUsedThisMonth == 100)
            #expect(try await store.budgetUsage(memberID: auth.member.id, at: firstMs).monthResetsAt == Self.utc(2027, 2, 1))
        }
    }

    @Test(arguments: Backend.all)
    func aKeysDailyBudgetResetsAtUTCMidnightAndItsMonthlyBudgetDoesNot(_ backend: Backend) async throws {
        let lastMs = Self.utc(2028, 2, 28, 23, 59, 59, ms: 999)
        let leapDay = Self.utc(2028, 2, 29)
        try await withStore(backend) { store, _ in
            let (_, key, auth) = try await memberKey(store, monthly: nil, budgets: KeyBudgets(monthly: 90, daily: 50))
            guard case .reserved = try await store.reserve(tokens: 50, for: auth, at: lastMs) else {
                Issue.record("50 fit the day")
                return
            }
            guard case .overBudget(_, let day) = try await store.reserve(tokens: 1, for: auth, at: lastMs) else {
                Issue.record("the day is spent")
                return
            }
            #expect(day.budget == "key daily")
            #expect(day.size == 50)
            #expect(day.resetsAt == leapDay)
            // A new UTC day: the daily budget is whole again, the month is not.
            guard case .reserved = try await store.reserve(tokens: 40, for: auth, at: leapDay) else {
                Issue.record("40 fit the new day and the month's 40 left")
                return
            }
            guard case .overBudget(_, let month) = try await store.reserve(tokens: 1, for: auth, at: leapDay) else {
                Issue.record("the key's month is spent")
                return
            }
            #expect(month.budget == "key monthly")
            #expect(month.used == 90)
            #expect(month.resetsAt == Self.utc(2028, 3, 1))
            let use = try await store.budgetUsage(memberID: auth.member.id, at: leapDay)
            #expect(use.keys[key.key.id] == KeyBudgetUse(month: 90, day: 40))
            #expect(use.dayResetsAt == Self.utc(2028, 3, 1))
        }
    }

    @Test(arguments: Backend.all)
    func reservationsSettleAgainstBudgetsAndAWholeBudgetIsTheMost(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (member, key, auth) = try await memberKey(store, monthly: 1000, budgets: KeyBudgets(monthly: 100, daily: 60))
            let time = midMinute()
            guard case .reserved(let first, _) = try await store.reserve(tokens: 50, for: auth, at: time) else {
                Issue.record("50 fit")
                return
            }
            // Used 10 of the 50 held: 40 come back to every budget.
            try await store.record(usage(member, key, tokens: 10, at: time, settling: first))
            guard case .reserved = try await store.reserve(tokens: 50, for: auth, at: time) else {
                Issue.record("after settling at 10, 50 more fit the 60 a day")
                return
            }
            guard case .overBudget(let status, let refusal) = try await store.reserve(tokens: 1, for: auth, at: time) else {
                Issue.record("the day's 60 are held")
                return
            }
            #expect(refusal.budget == "key daily")
            #expect(refusal.used == 60)
            #expect(refusal.requested == 1)
            #expect(status.tokenLimit == nil)  // budgets are not rate limits: no x-ratelimit figures
            // More than the whole daily budget can never run, whatever is used.
            guard case .overBudget(_, let whole) = try await store.reserve(tokens: 61, for: auth, at: time) else {
                Issue.record("61 is more than the whole daily budget")
                return
            }
            #expect(whole.budget == "key daily")
            #expect(whole.requested == 61)
            #expect(whole.size == 60)
            let use = try await store.budgetUsage(memberID: member.id, at: time)
            #expect(use.accountMonthlyBudget == 1000)
            #expect(use.accountUsedThisMonth == 60)
            #expect(use.keys[key.key.id] == KeyBudgetUse(month: 60, day: 60))
        }
    }

    @Test(arguments: Backend.all)
    func aDailyBudgetAndTokensPerDayShareTheKeysDayWindowWithoutCountingTwice(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            // The budget is the tighter: refusals are budget_exceeded.
            let (member, key, auth) = try await memberKey(store, monthly: nil, budgets: KeyBudgets(daily: 50),
                                                          limits: Limits(tokensPerDay: 80))
            let time = midMinute()
            guard case .reserved(let held, let status) = try await store.reserve(tokens: 30, for: auth, at: time) else {
                Issue.record("30 fit")
                return
            }
            #expect(status.tokenLimit == 80)
            #expect(status.tokensRemaining == 50)
            #expect(try await windowTokens(store, "key:\(key.key.id)", "day") == [30])
            try await store.record(usage(member, key, tokens: 30, at: time, settling: held))
            // Recorded without a reservation: charged once too.
            try await store.record(usage(member, key, tokens: 5, at: time, settling: nil))
            #expect(try await windowTokens(store, "key:\(key.key.id)", "day") == [35])
            guard case .reserved = try await store.reserve(tokens: 15, for: auth, at: time) else {
                Issue.record("15 more make the 50")
                return
            }
            guard case .overBudget(_, let refusal) = try await store.reserve(tokens: 1, for: auth, at: time) else {
                Issue.record("the daily budget is spent")
                return
            }
            #expect(refusal.budget == "key daily")

            // Tokens per day tighter than the budget: the rate limit answers, with its Retry-After.
            let tight = try await store.createKey(memberID: member.id, name: "tight", expiresAt: nil,
                                                  limits: Limits(tokensPerDay: 40), budgets: KeyBudgets(daily: 50), by: nil)
            let tightAuth = try #require(try await store.authenticate(key: tight.secret))
            guard case .reserved = try await store.reserve(tokens: 40, for: tightAuth, at: time) else {
                Issue.record("40 fit")
                return
            }
            guard case .limited(_, let limit, let retryAfter) = try await store.reserve(tokens: 1, for: tightAuth, at: time) else {
                Issue.record("tokens per day are spent")
                return
            }
            #expect(limit == "tokens per day")
            #expect(retryAfter > 0)
        }
    }

    @Test(arguments: Backend.all)
    func twentyConcurrentReservationsNeverOvershootABudget(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, _, auth) = try await memberKey(store, monthly: 50)
            let time = midMinute()
            let decisions = try await withThrowingTaskGroup(of: ReservationDecision.self) { group in
                for _ in 0..<20 { group.addTask { try await store.reserve(tokens: 17, for: auth, at: time) } }
                var decisions: [ReservationDecision] = []
                for try await decision in group { decisions.append(decision) }
                return decisions
            }
            var reserved = 0
            for decision in decisions {
                switch decision {
                case .reserved: reserved += 1
                case .overBudget(_, let refusal): #expect(refusal.budget == "account monthly")
                case .limited, .exceedsLimit: Issue.record("no rate limit is set")
                }
            }
            // 17 x 2 = 34 fits 50; a third would make 51.
            #expect(reserved == 2)
            #expect(try await windowTokens(store, "member:\(auth.member.id)", "month") == [34])
        }
    }

    @Test(arguments: Backend.all)
    func theServerDefaultAppliesToMembersWithoutTheirOwnBudget(_ backend: Backend) async throws {
        let fixture = StoreFixture(backend)
        do {
            let store = try await fixture.open(defaultMonthlyTokenBudget: 30)
            let (member, _, auth) = try await memberKey(store, monthly: nil)
            #expect(auth.accountMonthlyBudget == 30)
            guard case .overBudget(_, let refusal) = try await store.reserve(tokens: 31, for: auth, at: midMinute()) else {
                Issue.record("31 is over the default 30")
                return
            }
            #expect(refusal.budget == "account monthly")
            // A key budget above the default is refused as well.
            await expectAccessError(.invalid("")) {
                try await store.createKey(memberID: member.id, name: "big", expiresAt: nil, limits: .none,
                                          budgets: KeyBudgets(monthly: 31), by: nil)
            }
            // The member's own budget replaces the default.
            try await store.setMonthlyBudget(memberID: member.id, tokens: 500, by: nil)
            let use = try await store.budgetUsage(memberID: member.id, at: Date())
            #expect(use.accountMonthlyBudget == 500)
            #expect(!use.accountBudgetIsDefault)
        } catch {
            try? await fixture.finish()
            throw error
        }
        try await fixture.finish()
    }

    @Test(arguments: Backend.all)
    func keyBudgetsStayWithinTheAccountBudget(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (member, key, _) = try await memberKey(store, monthly: 1000)
            await expectAccessError(.invalid("")) {
                try await store.createKey(memberID: member.id, name: "big", expiresAt: nil, limits: .none,
                                          budgets: KeyBudgets(monthly: 1001), by: nil)
            }
            await expectAccessError(.invalid("")) {
                try await store.setKeyBudgets(id: key.key.id, memberID: member.id, budgets: KeyBudgets(daily: 1001), by: nil)
            }
            await expectAccessError(.invalid("")) {
                try await store.setKeyBudgets(id: key.key.id, memberID: member.id, budgets: KeyBudgets(monthly: 10, daily: 20), by: nil)
            }
            await expectAccessError(.invalid("")) {
                try await store.setKeyBudgets(id: key.key.id, memberID: nil, budgets: KeyBudgets(monthly: 0), by: nil)
            }
            // Another member cannot set budgets on this key.
            let other = try await makeMember(store, email: "bob@example.com")
            await expectAccessError(.notFound("")) {
                try await store.setKeyBudgets(id: key.key.id, memberID: other.id, budgets: KeyBudgets(monthly: 5), by: nil)
            }
            try await store.setKeyBudgets(id: key.key.id, memberID: member.id, budgets: KeyBudgets(monthly: 1000, daily: 100), by: member.id)
            #expect(try await store.keys(memberID: member.id).first?.budgets == KeyBudgets(monthly: 1000, daily: 100))
            #expect(try await store.auditLog(limit: 5).contains { $0.action == "key.budget" && $0.target == key.key.id })
        }
    }

    @Test(arguments: Backend.all)
    func monthWindowsAreKeptUntilTheirMonthHasEnded(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, _, auth) = try await memberKey(store, monthly: 100)
            let subject = "member:\(auth.member.id)"
            _ = try await store.reserve(tokens: 10, for: auth, at: Self.utc(2027, 1, 1, 0, 0, 30))
            // Weeks later in the same month: minute and day windows are pruned, the month is not.
            _ = try await store.reserve(tokens: 10, for: auth, at: Self.utc(2027, 1, 31, 12, 0, 30))
            #expect(try await windowTokens(store, subject, "month") == [20])
            // The next month still keeps January's window (the month before is kept).
            _ = try await store.reserve(tokens: 10, for: auth, at: Self.utc(2027, 2, 1, 0, 1, 30))
            #expect(try await windowTokens(store, subject, "month") == [20, 10])
            // From March, January's is pruned.
            _ = try await store.reserve(tokens: 10, for: auth, at: Self.utc(2027, 3, 1, 0, 2, 30))
            #expect(try await windowTokens(store, subject, "month") == [10, 10])
        }
    }

    @Test(arguments: Backend.all)
    func aPausedKeyIsKnownButMarkedPausedUntilResumed(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (member, key, _) = try await memberKey(store, monthly: nil)
            try await store.setKeyPaused(id: key.key.id, memberID: member.id, paused: true, by: member.id)
            let paused = try #require(try await store.authenticate(key: key.secret))
            #expect(paused.key.pausedAt != nil)
            #expect(paused.key.state(at: Date()) == "paused")
            // Pausing again changes nothing and logs nothing.
            try await store.setKeyPaused(id: key.key.id, memberID: nil, paused: true, by: nil)
            // Another member's id does not reach the key.
            let other = try await makeMember(store, email: "bob@example.com")
            await expectAccessError(.notFound("")) {
                try await store.setKeyPaused(id: key.key.id, memberID: other.id, paused: false, by: other.id)
            }
            try await store.setKeyPaused(id: key.key.id, memberID: nil, paused: false, by: nil)
            #expect(try await store.authenticate(key: key.secret)?.key.pausedAt == nil)
            let actions = try await store.auditLog(limit: 10).filter { $0.target == key.key.id }.map(\.action)
            #expect(actions.filter { $0 == "key.pause" }.count == 1)
            #expect(actions.filter { $0 == "key.resume" }.count == 1)
            // A revoked key stays revoked.
            try await store.revokeKey(id: key.key.id, memberID: nil, by: nil)
            await expectAccessError(.conflict("")) {
                try await store.setKeyPaused(id: key.key.id, memberID: nil, paused: false, by: nil)
            }
            #expect(try await store.authenticate(key: key.secret) == nil)
            // Renaming: the owner only.
            let second = try await store.createKey(memberID: member.id, name: "old", expiresAt: nil, limits: .none, by: nil)
            await expectAccessError(.notFound("")) {
                try await store.renameKey(id: second.key.id, memberID: other.id, name: "taken", by: other.id)
            }
            try await store.renameKey(id: second.key.id, memberID: member.id, name: "  laptop ", by: member.id)
            #expect(try await store.keys(memberID: member.id).first { $0.id == second.key.id }?.name == "laptop")
        }
    }
}

/// A clock a test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Date

    init(_ time: Date) { self.time = time }

    var now: Date { lock.withLock { time } }
    func set(_ time: Date) { lock.withLock { self.time = time } }
}
