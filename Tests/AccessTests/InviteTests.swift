import Foundation
import Testing
@testable import Access

@Suite struct InviteTests {
    @Test(arguments: Backend.all)
    func twentyConcurrentClaimsOneSucceeds(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let issued = try await store.createInvite(email: "eve@example.com", lifetime: 3600, by: nil)
            let hash = testPasswordHash()
            let outcomes = try await withThrowingTaskGroup(of: Result<Member, AccessError>.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        do { return .success(try await store.claimInvite(token: issued.token, name: "Eve \(i)", passwordHash: hash)) }
                        catch let error as AccessError { return .failure(error) }
                    }
                }
                var outcomes: [Result<Member, AccessError>] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let members = outcomes.compactMap { try? $0.get() }
            #expect(members.count == 1)
            #expect(members.first?.email == "eve@example.com")
            for case .failure(let error) in outcomes { #expect(error == .inviteUnusable(.used)) }
            #expect(try await store.members().count == 1)
            #expect(try await store.invite(token: issued.token)?.state(at: Date()) == .used)
        }
    }

    @Test(arguments: Backend.all)
    func expiredRevokedAndUnknownInvites(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let hash = testPasswordHash()
            let expired = try await store.createInvite(email: "old@example.com", lifetime: -60, by: nil)
            #expect(try await store.invite(token: expired.token)?.state(at: Date()) == .expired)
            await expectAccessError(.inviteUnusable(.expired)) { try await store.claimInvite(token: expired.token, name: "Old", passwordHash: hash) }

            let revoked = try await store.createInvite(email: "rev@example.com", lifetime: 3600, by: nil)
            try await store.revokeInvite(id: revoked.invite.id, by: nil)
            try await store.revokeInvite(id: revoked.invite.id, by: nil)  // again: nothing to do
            await expectAccessError(.inviteUnusable(.revoked)) { try await store.claimInvite(token: revoked.token, name: "Rev", passwordHash: hash) }

            await expectAccessError(.notFound("")) { try await store.claimInvite(token: "unknown", name: "Who", passwordHash: hash) }
            #expect(try await store.invite(token: "unknown") == nil)
            await expectAccessError(.notFound("")) { try await store.revokeInvite(id: "unknown", by: nil) }

            let used = try await store.createInvite(email: "used@example.com", lifetime: 3600, by: nil)
            _ = try await store.claimInvite(token: used.token, name: "Used", passwordHash: hash)
            await expectAccessError(.conflict("")) { try await store.revokeInvite(id: used.invite.id, by: nil) }
            #expect(try await store.invites().count == 3)
            #expect(try await store.members().count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func takenEmailLeavesTheInviteOpen(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await makeMember(store, email: "ada@example.com")
            let issued = try await store.createInvite(email: "ADA@example.com", lifetime: 3600, by: nil)
            await expectAccessError(.conflict("")) { try await store.claimInvite(token: issued.token, name: "Ada", passwordHash: testPasswordHash()) }
            #expect(try await store.invite(token: issued.token)?.state(at: Date()) == .open)
            await expectAccessError(.conflict("")) {
                try await store.createMember(email: "ada@example.com", name: "Ada", passwordHash: testPasswordHash(), isAdmin: false, by: nil)
            }
        }
    }

    @Test(arguments: Backend.all)
    func setupTokenMakesTheFirstAdminOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let hash = testPasswordHash()
            #expect(try await store.hasAdmin() == false)
            let expired = try await store.createSetupToken(lifetime: -1)
            await expectAccessError(.inviteUnusable(.expired)) {
                try await store.claimSetupToken(expired, email: "root@example.com", name: "Root", passwordHash: hash)
            }
            await expectAccessError(.notFound("")) {
                try await store.claimSetupToken("nope", email: "root@example.com", name: "Root", passwordHash: hash)
            }
            let token = try await store.createSetupToken(lifetime: 3600)
            let second = try await store.createSetupToken(lifetime: 3600)
            let admin = try await store.claimSetupToken(token, email: "Root@Example.com", name: "Root", passwordHash: hash)
            #expect(admin.isAdmin)
            #expect(admin.email == "root@example.com")
            #expect(try await store.hasAdmin())
            #expect(try await store.passwordHash(memberID: admin.id) == hash)
            await expectAccessError(.inviteUnusable(.used)) {
                try await store.claimSetupToken(token, email: "x@example.com", name: "X", passwordHash: hash)
            }
            // An unused token dies once an admin exists.
            await expectAccessError(.inviteUnusable(.used)) {
                try await store.claimSetupToken(second, email: "y@example.com", name: "Y", passwordHash: hash)
            }
            #expect(try await store.members().count == 1)
        }
    }
}
