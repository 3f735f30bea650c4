import Foundation
import Testing
@testable import Access

/// What the usage pages read, on both databases.
@Suite struct UsageReportTests {
    @Test(arguments: Backend.all)
    func usageRowsKeepRequestIDQueueTimeAndWorkload(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store, email: "ada@example.com")
            let bob = try await makeMember(store, email: "bob@example.com")
            let laptop = try await store.createKey(memberID: ada.id, name: "laptop", expiresAt: nil, limits: .none, by: nil)
            let evals = try await store.createKey(memberID: ada.id, name: "evals", expiresAt: nil, limits: .none, by: nil)
            let now = Date(timeIntervalSince1970: 1_767_225_600 + 2 * 86_400 + 12 * 3600)  // 2026-01-03 12:00 UTC
            let lastMonth = Date(timeIntervalSince1970: 1_767_225_600 - 3600)  // 2025-12-31 23:00 UTC
            func use(_ member: Member, _ key: IssuedKey?, model: String, _ tokens: Int, _ time: Date, id: String?,
                     queue: Int?, workload: String?) async throws {
                try await store.record(UsageRecord(
                    memberID: member.id, keyID: key?.key.id, model: model, route: "/v1/completions", promptTokens: tokens,
                    completionTokens: 1, status: 200, latencyMilliseconds: 40, time: time, user: "=cmd",
                    requestID: id, queueMilliseconds: queue, workload: workload))
            }
            try await use(ada, laptop, model: "small", 9, now.addingTimeInterval(-86_400), id: "req-1", queue: 0, workload: "interactive")
            try await use(ada, evals, model: "large", 99, now, id: "req-2", queue: 1500, workload: "batch")
            try await use(ada, evals, model: "large", 49, now.addingTimeInterval(-60), id: "req-3", queue: 20, workload: nil)
            try await use(ada, laptop, model: "small", 5, lastMonth, id: "old", queue: 0, workload: nil)
            try await use(bob, nil, model: "small", 1, now, id: "bob-1", queue: nil, workload: "batch")

            let period = UsagePeriod.month(containing: now)
            #expect(period.days == ["2026-01-01", "2026-01-02", "2026-01-03"])
            #expect(period.month == "2026-01")

            let entries = try await store.usageEntries(memberID: ada.id, from: period.start, to: period.end, limit: nil)
            #expect(entries.map(\.requestID) == ["req-2", "req-3", "req-1"])  // newest first, this month only
            #expect(entries[0].queueMilliseconds == 1500)
            #expect(entries[0].workload == "batch")
            #expect(entries[1].workload == nil)
            #expect(entries[0].keyName == "evals")
            #expect(entries[0].keyPrefix == evals.key.displayPrefix)
            #expect(entries[0].memberEmail == "ada@example.com")
            #expect(entries[0].tokens == 100)
            #expect(try await store.usageEntries(memberID: nil, from: period.start, to: period.end, limit: 2).count == 2)
            #expect(try await store.usageEntries(memberID: nil, from: period.start, to: period.end, limit: nil).count == 4)

            let breakdown = try await store.usageBreakdown(memberID: ada.id, period: period)
            #expect(breakdown.count == 2)
            #expect(breakdown.first { $0.keyID == evals.key.id }?.tokens == 150)
            #expect(breakdown.first { $0.keyID == evals.key.id }?.requests == 2)
            #expect(breakdown.first { $0.keyID == laptop.key.id }?.day == "2026-01-02")
            let everyone = try await store.usageBreakdown(memberID: nil, period: period)
            #expect(everyone.first { $0.memberID == bob.id }?.keyID == nil)

            let workloads = try await store.workloadTotals(memberID: ada.id, period: period)
            #expect(Set(workloads.map { "\($0.workload ?? "-")=\($0.requests)/\($0.tokens)" })
                == ["-=1/50", "batch=1/100", "interactive=1/10"])
        }
    }

    @Test(arguments: Backend.all)
    func budgetsAreReadFromTheirColumns(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store, email: "ada@example.com")
            let key = try await store.createKey(memberID: ada.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            #expect(try await store.tokenBudgets(memberID: ada.id) == TokenBudgets())
            try await store.database.query("UPDATE members SET monthly_token_budget = 1000000 WHERE id = ?", [.text(ada.id)])
            try await store.database.query("UPDATE api_keys SET daily_token_budget = 5000 WHERE id = ?", [.text(key.key.id)])
            let budgets = try await store.tokenBudgets(memberID: ada.id)
            #expect(budgets.memberMonthly == [ada.id: 1_000_000])
            #expect(budgets.keyDaily == [key.key.id: 5000])
            #expect(budgets.keyMonthly.isEmpty)
            #expect(try await store.tokenBudgets(memberID: nil) == budgets)
        }
    }
}
