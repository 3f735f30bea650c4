import Access
import Foundation
import XCTest

final class InvitePageTests: XCTestCase {
    func testExpiredRevokedAndUnknownInvitesGetClearPages() async throws {
        let site = try await TestSite.open()
        let expiring = try await site.store.createInvite(email: "late@example.org", lifetime: 3600, by: nil)
        let revoked = try await site.store.createInvite(email: "gone@example.org", lifetime: 86_400, by: nil)
        try await site.store.revokeInvite(id: revoked.invite.id, by: nil)
        try await site.run { browser in
            let open = try await browser.get(expiring.path)
            XCTAssertEqual(open.status, .ok)

            site.clock.advance(7200)
            let expired = try await browser.get(expiring.path)
            XCTAssertEqual(expired.status, .gone)
            XCTAssertTrue(expired.html.contains("This invite has expired"))
            XCTAssertEqual(expired.headers[.contentType], "text/html; charset=utf-8")
            let claim = try await browser.post(expiring.path, [("csrf", open.csrf ?? ""), ("name", "Late"),
                                                               ("password", "password-1"), ("confirm", "password-1")])
            XCTAssertEqual(claim.status, .gone)
            let member = try await site.store.member(email: "late@example.org")
            XCTAssertNil(member)

            let revokedPage = try await browser.get(revoked.path)
            XCTAssertEqual(revokedPage.status, .gone)
            XCTAssertTrue(revokedPage.html.contains("This invite was revoked"))

            let unknown = try await browser.get("/invite/no-such-token")
            XCTAssertEqual(unknown.status, .notFound)
            XCTAssertTrue(unknown.html.contains("Invite not found"))
        }
    }

    func testShortPasswordIsRefusedInTheForm() async throws {
        let site = try await TestSite.open()
        let invite = try await site.store.createInvite(email: "new@example.org", lifetime: 3600, by: nil)
        try await site.run { browser in
            let form = try await browser.get(invite.path)
            let short = try await browser.post(invite.path, [("csrf", form.csrf ?? ""), ("name", "New"), ("password", "short"), ("confirm", "short")])
            XCTAssertEqual(short.status, .badRequest)
            XCTAssertTrue(short.html.contains("at least 8 characters"))
            let state = try await site.store.invite(token: invite.token)?.state(at: site.clock.now)
            XCTAssertEqual(state, .open)
        }
    }
}
