import Foundation
import Testing
@testable import Access

@Suite struct AuditTests {
    @Test(arguments: Backend.all)
    func adminActionsAreAudited(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let admin = try await makeMember(store, email: "root@example.com", isAdmin: true)
            let member = try await store.createMember(email: "m@example.com", name: "M", passwordHash: testPasswordHash(),
                                                      isAdmin: false, by: admin.id)
            let invite = try await store.createInvite(email: "i@example.com", lifetime: 60, by: admin.id)
            try await store.revokeInvite(id: invite.invite.id, by: admin.id)
            try await store.setStatus(memberID: member.id, status: .suspended, by: admin.id)
            try await store.setStatus(memberID: member.id, status: .active, by: admin.id)
            try await store.setLimits(memberID: member.id, limits: Limits(requestsPerMinute: 9), by: admin.id)
            let key = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: admin.id)
            try await store.setKeyLimits(id: key.key.id, limits: Limits(tokensPerDay: 5), by: admin.id)
            try await store.revokeKey(id: key.key.id, memberID: nil, by: admin.id)

            let log = try await store.auditLog(limit: 100)
            let mine = log.filter { $0.actorID == admin.id }
            #expect(Set(mine.map(\.action)) == ["member.create", "invite.create", "invite.revoke", "member.suspend",
                                                "member.activate", "member.limits", "key.create", "key.limits", "key.revoke"])
            #expect(mine.allSatisfy { $0.actorEmail == "root@example.com" })
            // The command line's own actions are audited too, with no actor.
            let cli = try #require(log.first { $0.action == "member.create" && $0.target == "root@example.com" })
            #expect(cli.actorID == nil && cli.actorEmail == nil)
            #expect(try await store.auditLog(limit: 3).count == 3)
            // Newest first.
            #expect(log.first?.action == "key.revoke")
        }
    }
}
