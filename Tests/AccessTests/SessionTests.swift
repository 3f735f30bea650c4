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
    func failedSignInsAreCounted(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let start = Date().addingTimeInterval(-1)
            try await store.recordSignIn(email: "Ada@example.com", succeeded: false)
            try await store.recordSignIn(email: "ada@example.com", succeeded: false)
            try await store.recordSignIn(email: "ada@example.com", succeeded: true)
            try await store.recordSignIn(email: "bob@example.com", succeeded: false)
            #expect(try await store.failedSignIns(email: "ADA@example.com", since: start) == 2)
            #expect(try await store.failedSignIns(email: "ada@example.com", since: Date().addingTimeInterval(60)) == 0)
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
