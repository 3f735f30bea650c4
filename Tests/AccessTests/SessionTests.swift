import Foundation
import Testing
@testable import Access

@Suite struct SessionTests {
    @Test(arguments: Backend.all)
    func sessionsLiveUntilExpiryDeletionOrSuspension(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store)
            let issued = try await store.createSession(memberID: member.id, lifetime: 3600)
            #expect(issued.token.count == 32)
            #expect(issued.session.csrfToken.count == 32)
            #expect(issued.session.csrfToken != issued.token)
            let (session, owner) = try #require(try await store.session(token: issued.token))
            #expect(session == issued.session)
            #expect(owner.id == member.id)
            #expect(try await store.session(token: "forged") == nil)

            let another = try await store.createSession(memberID: member.id, lifetime: 3600)
            #expect(another.token != issued.token)
            try await store.deleteSession(token: another.token)
            #expect(try await store.session(token: another.token) == nil)

            let expired = try await store.createSession(memberID: member.id, lifetime: -1)
            #expect(try await store.session(token: expired.token) == nil)

            try await store.setStatus(memberID: member.id, status: .suspended, by: nil)
            #expect(try await store.session(token: issued.token) == nil)
            await expectAccessError(.notFound("")) { try await store.createSession(memberID: "nobody", lifetime: 60) }
        }
    }

    @Test(arguments: Backend.all)
    func signInAttemptsCountAsFailuresUntilTheySucceed(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let start = Date().addingTimeInterval(-1)
            _ = try #require(try await store.beginSignIn(email: "Ada@example.com", since: start, maxFailures: 5))
            _ = try #require(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5))
            let good = try #require(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5))
            try await store.signInSucceeded(attemptID: good)
            _ = try #require(try await store.beginSignIn(email: "bob@example.com", since: start, maxFailures: 5))
            #expect(try await store.failedSignIns(email: "ADA@example.com", since: start) == 2)
            #expect(try await store.failedSignIns(email: "ada@example.com", since: Date().addingTimeInterval(60)) == 0)
            // Old failures fall out of the window.
            #expect(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 2) == nil)
            #expect(try await store.beginSignIn(email: "ada@example.com", since: Date().addingTimeInterval(60), maxFailures: 2) != nil)
        }
    }

    /// Many attempts at once: exactly `maxFailures` get through (each counted
    /// before any password check), the rest are refused; a success frees its place.
    @Test(arguments: Backend.all)
    func parallelSignInAttemptsStopAtTheLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let start = Date().addingTimeInterval(-1)
            let admitted = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<30 {
                    group.addTask { try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5) }
                }
                var ids: [String] = []
                for try await id in group { if let id { ids.append(id) } }
                return ids
            }
            #expect(admitted.count == 5)
            #expect(try await store.failedSignIns(email: "ada@example.com", since: start) == 5)
            #expect(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5) == nil)
            // Another email is not affected.
            #expect(try await store.beginSignIn(email: "bob@example.com", since: start, maxFailures: 5) != nil)
            // A success stops counting against the email: one more attempt may be checked.
            try await store.signInSucceeded(attemptID: admitted[0])
            #expect(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5) != nil)
            #expect(try await store.beginSignIn(email: "ada@example.com", since: start, maxFailures: 5) == nil)
        }
    }

    @Test func passwordsHashVerifyAndValidate() throws {
        let hash = PasswordHasher.hash("correct horse", cost: 4)
        #expect(hash.hasPrefix("$2"))
        #expect(PasswordHasher.verify("correct horse", hash: hash))
        #expect(!PasswordHasher.verify("correct horsf", hash: hash))
        #expect(throws: AccessError.self) { try PasswordHasher.validatePassword("short") }
        try PasswordHasher.validatePassword("long enough")
    }
}
