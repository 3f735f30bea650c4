import Foundation
import Testing
@testable import Access

/// Members' and keys' own numbers of requests at once, on both databases.
@Suite struct ConcurrencyTests {
    @Test(arguments: Backend.all)
    func aKeysConcurrencyOverridesItsMembers(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store, email: "ada@example.com")
            let one = try await store.createKey(memberID: ada.id, name: "one", expiresAt: nil, limits: .none, by: nil)
            let two = try await store.createKey(memberID: ada.id, name: "two", expiresAt: nil, limits: .none, by: nil)
            #expect(try await store.authenticate(key: one.secret)?.maxConcurrency == nil)

            try await store.setMemberConcurrency(memberID: ada.id, maxConcurrency: 2, by: nil)
            try await store.setKeyConcurrency(id: two.key.id, maxConcurrency: 16, by: nil)
            #expect(try await store.authenticate(key: one.secret)?.maxConcurrency == 2)
            #expect(try await store.authenticate(key: two.secret)?.maxConcurrency == 16)
            #expect(try await store.concurrencyOverrides() == ConcurrencyOverrides(members: [ada.id: 2], keys: [two.key.id: 16]))

            try await store.setKeyConcurrency(id: two.key.id, maxConcurrency: nil, by: nil)
            #expect(try await store.authenticate(key: two.secret)?.maxConcurrency == 2)
            await #expect(throws: AccessError.self) { try await store.setMemberConcurrency(memberID: ada.id, maxConcurrency: 0, by: nil) }
            await #expect(throws: AccessError.notFound("No such key.")) {
                try await store.setKeyConcurrency(id: "nope", maxConcurrency: 1, by: nil)
            }
            let actions = try await store.auditLog(limit: 10).map(\.action)
            #expect(actions.contains("member.concurrency") && actions.contains("key.concurrency"))
        }
    }
}
