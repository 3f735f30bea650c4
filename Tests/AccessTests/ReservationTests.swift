import Foundation
import Testing
@testable import Access

/// Token reservations: a request's worst case is held at admission and settled
/// to what it used when its usage is recorded.
@Suite struct ReservationTests {
    /// A member with `limits`, one key, and that key's authentication.
    private func memberKey(_ store: SQLAccessStore, limits: Limits) async throws -> (Member, IssuedKey, KeyAuthentication) {
        let member = try await makeMember(store, limits: limits)
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        return (member, issued, try #require(try await store.authenticate(key: issued.secret)))
    }

    private func usage(_ member: Member, _ key: IssuedKey, prompt: Int, completion: Int, at time: Date,
                       settling reservation: TokenReservation?) -> UsageRecord {
        UsageRecord(memberID: member.id, keyID: key.key.id, model: "m", route: "/v1/completions", promptTokens: prompt,
                    completionTokens: completion, status: 200, latencyMilliseconds: 5, time: time, reservation: reservation)
    }

    @Test(arguments: Backend.all)
    func reservationThatDoesNotFitIsRefusedAndHoldsNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, _, auth) = try await memberKey(store, limits: Limits(tokensPerMinute: 50, tokensPerDay: 1000))
            let time = midMinute()
            guard case .reserved(let held, let status) = try await store.reserve(tokens: 30, for: auth, at: time) else {
                Issue.record("30 of 50 should fit")
                return
            }
            #expect(held.tokens == 30)
            #expect(status.tokenLimit == 50)
            #expect(status.tokensRemaining == 20)

            guard case .limited(let refused, let limit, let retryAfter) = try await store.reserve(tokens: 30, for: auth, at: time) else {
                Issue.record("30 more of the 20 left should be refused")
                return
            }
            #expect(limit == "tokens per minute")
            #expect(retryAfter == 30)
            #expect(refused.tokensRemaining == 20)
            // The refusal held nothing, in the day window either: 20 still fit.
            guard case .reserved(_, let after) = try await store.reserve(tokens: 20, for: auth, at: time) else {
                Issue.record("the 20 left should fit")
                return
            }
            #expect(after.tokensRemaining == 0)

            // More than the whole limit can never fit.
            guard case .exceedsLimit(_, let whole, let maximum) = try await store.reserve(tokens: 401, for: auth,
                                                                                           at: time.addingTimeInterval(60)) else {
                Issue.record("401 tokens against 50 a minute should exceed the limit")
                return
            }
            #expect(whole == "tokens per minute")
            #expect(maximum == 50)
        }
    }

    @Test(arguments: Backend.all)
    func settlementReplacesTheReservationByTheTokensUsed(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (member, key, auth) = try await memberKey(store, limits: Limits(tokensPerMinute: 100))
            let time = midMinute()
            guard case .reserved(let first, _) = try await store.reserve(tokens: 80, for: auth, at: time) else {
                Issue.record("80 of 100 should fit")
                return
            }
            // Used less than reserved: the window is lowered to the actual 10.
            try await store.record(usage(member, key, prompt: 4, completion: 6, at: time, settling: first))
            guard case .reserved(let second, let status) = try await store.reserve(tokens: 60, for: auth, at: time) else {
                Issue.record("after settling at 10, 60 more should fit")
                return
            }
            #expect(status.tokensRemaining == 30)
            // Used more than reserved (an upstream's own count): raised to the actual 75.
            try await store.record(usage(member, key, prompt: 70, completion: 5, at: time, settling: second))
            guard case .limited(let refused, _, _) = try await store.reserve(tokens: 16, for: auth, at: time) else {
                Issue.record("85 used of 100: 16 more should be refused")
                return
            }
            #expect(refused.tokensRemaining == 15)
            let today = try await store.dailyUsage(memberID: member.id, days: 1, now: time)
            #expect(today.last?.promptTokens == 74)
            #expect(today.last?.completionTokens == 11)
        }
    }

    @Test(arguments: Backend.all)
    func twentyConcurrentReservationsNeverOvershootTheLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (member, key, auth) = try await memberKey(store, limits: Limits(tokensPerMinute: 50))
            let time = midMinute()
            let decisions = try await withThrowingTaskGroup(of: ReservationDecision.self) { group in
                for _ in 0..<20 { group.addTask { try await store.reserve(tokens: 17, for: auth, at: time) } }
                var decisions: [ReservationDecision] = []
                for try await decision in group { decisions.append(decision) }
                return decisions
            }
            var reservations: [TokenReservation] = []
            for decision in decisions {
                switch decision {
                case .reserved(let held, _): reservations.append(held)
                case .limited(_, let limit, _): #expect(limit == "tokens per minute")
                case .exceedsLimit, .overBudget: Issue.record("17 tokens fit a 50-token limit, and there is no budget")
                }
            }
            // 17 x 2 = 34 fits 50; a third would make 51.
            #expect(reservations.count == 2)
            // Settled at 16 each: 32 used, 18 left, and a reservation of 18 is the most that fits.
            for held in reservations {
                try await store.record(usage(member, key, prompt: 1, completion: 15, at: time, settling: held))
            }
            guard case .limited = try await store.reserve(tokens: 19, for: auth, at: time) else {
                Issue.record("19 should not fit the 18 left")
                return
            }
            guard case .reserved(_, let status) = try await store.reserve(tokens: 18, for: auth, at: time) else {
                Issue.record("18 should fit the 18 left")
                return
            }
            #expect(status.tokensRemaining == 0)
        }
    }

    @Test(arguments: Backend.all)
    func aKeysOwnTokenLimitHoldsOnTheKeysWindow(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store, limits: Limits(tokensPerMinute: 1000))
            let tight = try await store.createKey(memberID: member.id, name: "tight", expiresAt: nil,
                                                  limits: Limits(tokensPerMinute: 20), by: nil)
            let auth = try #require(try await store.authenticate(key: tight.secret))
            let time = midMinute()
            guard case .reserved = try await store.reserve(tokens: 20, for: auth, at: time) else {
                Issue.record("20 of the key's 20 should fit")
                return
            }
            guard case .limited(let status, _, _) = try await store.reserve(tokens: 1, for: auth, at: time) else {
                Issue.record("the key's window is full")
                return
            }
            #expect(status.tokenLimit == 20)
        }
    }
}
