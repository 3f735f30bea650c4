import Foundation
import Testing
@testable import Access

@Suite struct LimitTests {
    @Test(arguments: Backend.all)
    func twentyConcurrentAdmissionsAgainstFivePerMinuteAdmitFive(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store, limits: Limits(requestsPerMinute: 5))
            let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            let auth = try #require(try await store.authenticate(key: issued.secret))
            let time = midMinute()
            let decisions = try await withThrowingTaskGroup(of: LimitDecision.self) { group in
                for _ in 0..<20 { group.addTask { try await store.admit(auth, at: time) } }
                var decisions: [LimitDecision] = []
                for try await decision in group { decisions.append(decision) }
                return decisions
            }
            var allowed = 0
            for decision in decisions {
                switch decision {
                case .allowed(let status):
                    allowed += 1
                    #expect(status.requestLimit == 5)
                case .limited(let status, let limit, let retryAfter):
                    #expect(limit == "requests per minute")
                    #expect(retryAfter >= 1 && retryAfter <= 60)
                    #expect(status.requestsRemaining == 0)
                }
            }
            #expect(allowed == 5)
            // The next minute is a fresh window.
            guard case .allowed = try await store.admit(auth, at: time.addingTimeInterval(60)) else {
                Issue.record("a new minute should admit")
                return
            }
        }
    }

    @Test(arguments: Backend.all)
    func tokensPerMinuteAndPerDayAfterRecord(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store, limits: Limits(tokensPerMinute: 100, tokensPerDay: 150))
            let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            let auth = try #require(try await store.authenticate(key: issued.secret))
            let time = midMinute()
            guard case .allowed(let before) = try await store.admit(auth, at: time) else {
                Issue.record("first request should be allowed")
                return
            }
            #expect(before.tokenLimit == 100)
            #expect(before.tokensRemaining == 100)
            try await store.record(UsageRecord(memberID: member.id, keyID: issued.key.id, model: "m", route: "/v1/completions",
                                               promptTokens: 60, completionTokens: 50, status: 200, latencyMilliseconds: 5, time: time))
            guard case .limited(let status, let limit, let retryAfter) = try await store.admit(auth, at: time) else {
                Issue.record("110 tokens used of 100 per minute should refuse")
                return
            }
            #expect(limit == "tokens per minute")
            #expect(retryAfter == 30)
            #expect(status.tokensRemaining == 0)

            // Next minute: the per-minute window is fresh, but 110 of 150 today.
            let later = time.addingTimeInterval(60)
            guard case .allowed(let status2) = try await store.admit(auth, at: later) else {
                Issue.record("next minute should allow")
                return
            }
            #expect(status2.tokenLimit == 150)
            #expect(status2.tokensRemaining == 40)
            try await store.record(UsageRecord(memberID: member.id, keyID: issued.key.id, model: "m", route: "/v1/completions",
                                               promptTokens: 40, completionTokens: 0, status: 200, latencyMilliseconds: 5, time: later))
            guard case .limited(_, let dayLimit, let dayRetry) = try await store.admit(auth, at: later.addingTimeInterval(60)) else {
                Issue.record("150 tokens today should refuse")
                return
            }
            #expect(dayLimit == "tokens per day")
            #expect(dayRetry > 60)
        }
    }

    @Test(arguments: Backend.all)
    func keyOverrideBeatsMemberLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store, limits: Limits(requestsPerMinute: 1))
            let plain = try await store.createKey(memberID: member.id, name: "plain", expiresAt: nil, limits: .none, by: nil)
            let generous = try await store.createKey(memberID: member.id, name: "generous", expiresAt: nil,
                                                     limits: Limits(requestsPerMinute: 3), by: nil)
            let plainAuth = try #require(try await store.authenticate(key: plain.secret))
            let generousAuth = try #require(try await store.authenticate(key: generous.secret))
            #expect(generousAuth.limits.requestsPerMinute == 3)
            let time = midMinute()
            func admitted(_ auth: KeyAuthentication, _ times: Int) async throws -> Int {
                var count = 0
                for _ in 0..<times {
                    if case .allowed = try await store.admit(auth, at: time) { count += 1 }
                }
                return count
            }
            #expect(try await admitted(plainAuth, 3) == 1)
            #expect(try await admitted(generousAuth, 5) == 3)

            // An admin lowers the key's own limit; the new figure applies on the next authentication.
            try await store.setKeyLimits(id: generous.key.id, limits: Limits(requestsPerMinute: 2), by: nil)
            let lowered = try #require(try await store.authenticate(key: generous.secret))
            #expect(lowered.limits.requestsPerMinute == 2)
            await expectAccessError(.notFound("")) { try await store.setKeyLimits(id: "nope", limits: .none, by: nil) }
        }
    }
}
