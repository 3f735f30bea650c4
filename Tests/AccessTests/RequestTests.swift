import Foundation
import Testing
@testable import Access

@Suite struct RequestTests {
    @Test(arguments: Backend.all)
    func duplicatePendingRequestsMerge(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let first = try await store.submitRequest(name: "Ada", email: "Ada@Example.com", affiliation: nil, note: "evals")
            #expect(first.email == "ada@example.com")
            let second = try await store.submitRequest(name: "Ada L.", email: "  ada@example.COM ", affiliation: "Analytical Engines",
                                                       note: "evals, and more")
            #expect(second.id == first.id)
            #expect(second.name == "Ada L.")
            #expect(second.affiliation == "Analytical Engines")
            #expect(second.note == "evals, and more")
            let pending = try await store.requests(status: .pending)
            #expect(pending.count == 1)
            #expect(try await store.request(id: first.id) == second)
            await expectAccessError(.invalid("")) { try await store.submitRequest(name: "X", email: "not-an-email", affiliation: nil, note: "") }
        }
    }

    @Test(arguments: Backend.all)
    func approveCreatesInviteDenyAndConflicts(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let admin = try await makeMember(store, email: "root@example.com", isAdmin: true)
            let request = try await store.submitRequest(name: "Bob", email: "bob@example.com", affiliation: nil, note: "please")
            let (approved, issued) = try await store.approveRequest(id: request.id, note: "welcome", inviteLifetime: 3600, by: admin.id)
            #expect(approved.status == .approved)
            #expect(approved.reviewNote == "welcome")
            #expect(approved.reviewedBy == admin.id)
            #expect(approved.reviewedAt != nil)
            #expect(issued.invite.requestID == request.id)
            #expect(issued.invite.email == "bob@example.com")
            #expect(issued.path == "/invite/\(issued.token)")
            #expect(try await store.invite(token: issued.token)?.state(at: Date()) == .open)

            await expectAccessError(.conflict("")) { try await store.approveRequest(id: request.id, note: nil, inviteLifetime: 60, by: admin.id) }
            await expectAccessError(.conflict("")) { try await store.denyRequest(id: request.id, note: nil, by: admin.id) }
            await expectAccessError(.notFound("")) { try await store.denyRequest(id: "nope", note: nil, by: admin.id) }

            // A new request from the same email after approval is a new request.
            let other = try await store.submitRequest(name: "Bob", email: "bob@example.com", affiliation: nil, note: "again")
            #expect(other.id != request.id)
            let denied = try await store.denyRequest(id: other.id, note: "once is enough", by: nil)
            #expect(denied.status == .denied)
            #expect(try await store.requests(status: .denied).map(\.id) == [other.id])
            #expect(try await store.requests(status: nil).count == 2)

            let log = try await store.auditLog(limit: 10)
            let approve = try #require(log.first { $0.action == "request.approve" })
            #expect(approve.actorID == admin.id)
            #expect(approve.actorEmail == "root@example.com")
            #expect(approve.target == request.id)
            let deny = try #require(log.first { $0.action == "request.deny" })
            #expect(deny.actorID == nil)
            #expect(deny.detail == "once is enough")
        }
    }
}
