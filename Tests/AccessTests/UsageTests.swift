import Foundation
import Testing
@testable import Access

@Suite struct UsageTests {
    @Test(arguments: Backend.all)
    func dailyRollUpSurvivesPruning(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store, email: "ada@example.com")
            let bob = try await makeMember(store, email: "bob@example.com")
            let key = try await store.createKey(memberID: ada.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            // Noon UTC on a fixed day, and the two days before.
            let today = Date(timeIntervalSince1970: 1_767_225_600 + 12 * 3600)  // 2026-01-01 12:00 UTC
            let yesterday = today.addingTimeInterval(-86_400)
            func use(_ member: Member, _ keyID: String?, _ prompt: Int, _ completion: Int, _ time: Date) async throws {
                try await store.record(UsageRecord(memberID: member.id, keyID: keyID, model: "llama", route: "/v1/completions",
                                                   promptTokens: prompt, completionTokens: completion, status: 200,
                                                   latencyMilliseconds: 12, time: time, user: "u1"))
            }
            try await use(ada, key.key.id, 10, 5, yesterday)
            try await use(ada, key.key.id, 20, 0, today)
            try await use(ada, nil, 1, 1, today)
            try await use(bob, nil, 100, 100, today)

            let adaDays = try await store.dailyUsage(memberID: ada.id, days: 3, now: today)
            #expect(adaDays == [
                DailyUsage(day: "2025-12-30", requests: 0, promptTokens: 0, completionTokens: 0),
                DailyUsage(day: "2025-12-31", requests: 1, promptTokens: 10, completionTokens: 5),
                DailyUsage(day: "2026-01-01", requests: 2, promptTokens: 21, completionTokens: 1),
            ])
            let everyone = try await store.dailyUsage(memberID: nil, days: 2, now: today)
            #expect(everyone.map(\.requests) == [1, 3])
            #expect(everyone.last?.promptTokens == 121)

            let totals = try #require(try await store.keys(memberID: ada.id).first)
            #expect(totals.requests == 2)
            #expect(totals.tokens == 35)

            #expect(try await store.pruneUsage(before: today.addingTimeInterval(-3600)) == 1)
            #expect(try await store.pruneUsage(before: today.addingTimeInterval(-3600)) == 0)
            let raw = try await store.database.query("SELECT COUNT(*) AS n FROM usage").first?.int("n")
            #expect(raw == 3)
            #expect(try await store.dailyUsage(memberID: ada.id, days: 3, now: today) == adaDays)
            #expect(try await store.dailyUsage(memberID: ada.id, days: 0, now: today).isEmpty)
        }
    }

    @Test func utcDaysAreCivilDates() {
        #expect(UTCDay.string(day: 0) == "1970-01-01")
        #expect(UTCDay.string(ms: 951_782_400_000) == "2000-02-29")
        #expect(UTCDay.string(ms: -1) == "1969-12-31")
        #expect(UTCDay.string(ms: 1_767_225_599_999) == "2025-12-31")
    }
}
