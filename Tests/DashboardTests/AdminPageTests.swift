import Access
import Foundation
import XCTest

final class AdminPageTests: XCTestCase {
    private static let adminPages = ["/admin/requests", "/admin/members", "/admin/invites", "/admin/audit"]

    func testAdminPagesAreForAdminsOnly() async throws {
        let site = try await TestSite.open()
        try await site.makeAdmin()
        let request = try await site.store.submitRequest(name: "Req", email: "req@example.org", affiliation: nil, note: "n")
        try await site.makeMember("m@example.org", password: "member-password")
        try await site.run { stranger in
            for path in Self.adminPages {
                let page = try await stranger.get(path)
                XCTAssertEqual(page.status, .seeOther, path)
                XCTAssertEqual(page.location, "/signin")
            }
            let member = Browser(client: stranger.client)
            try await member.signIn("m@example.org", "member-password")
            for path in Self.adminPages {
                let page = try await member.get(path)
                XCTAssertEqual(page.status, .forbidden, path)
                XCTAssertTrue(page.html.contains("Admins only"))
            }
            let csrf = try await member.sessionCSRF()
            let approve = try await member.post("/admin/requests/\(request.id)/approve", [("csrf", csrf)])
            XCTAssertEqual(approve.status, .forbidden)
            let still = try await site.store.request(id: request.id)
            XCTAssertEqual(still?.status, .pending)
            let dashboard = try await member.get("/dashboard")
            XCTAssertFalse(dashboard.html.contains("href=\"/admin/requests\""), "members see no admin links")

            let admin = Browser(client: stranger.client)
            try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
            for path in Self.adminPages {
                let page = try await admin.get(path)
                XCTAssertEqual(page.status, .ok, path)
                XCTAssertTrue(page.html.contains("href=\"/admin/audit\""))
            }
        }
    }

    func testAMemberCannotRevokeAnotherMembersKey() async throws {
        let site = try await TestSite.open()
        let owner = try await site.makeMember("owner@example.org", password: "owner-password")
        try await site.makeMember("other@example.org", password: "other-password")
        let issued = try await site.store.createKey(memberID: owner.id, name: "owner's", expiresAt: nil, limits: .none, by: nil)
        try await site.run { other in
            try await other.signIn("other@example.org", "other-password")
            let csrf = try await other.sessionCSRF()
            let page = try await other.post("/dashboard/keys/\(issued.key.id)/revoke", [("csrf", csrf)])
            XCTAssertEqual(page.status, .notFound)
            XCTAssertTrue(page.html.contains("You have no key with that id"))
            let auth = try await site.store.authenticate(key: issued.secret)
            XCTAssertNotNil(auth, "the owner's key still works")
        }
    }

    func testMarkupAndSQLInEveryFieldAreEscapedAndKeptIntact() async throws {
        let site = try await TestSite.open()
        try await site.makeAdmin()
        let script = "<script>alert(1)</script>"
        let sql = "Robert'); DROP TABLE members;--"
        let email = "robert');--<b>@example.org"
        try await site.run { stranger in
            let home = try await stranger.get("/")
            let sent = try await stranger.post("/request-access", [
                ("csrf", home.csrf ?? ""), ("name", sql + " " + script), ("email", email),
                ("affiliation", script + " & co"), ("note", "\(sql)\n\(script)\n\"quoted\""),
            ])
            XCTAssertEqual(sent.status, .ok, sent.html)
            XCTAssertFalse(sent.html.contains(script))

            let admin = Browser(client: stranger.client)
            try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
            let page = try await admin.get("/admin/requests")
            XCTAssertEqual(page.status, .ok)
            XCTAssertFalse(page.html.contains(script), "no raw markup from a visitor")
            XCTAssertFalse(page.html.contains("<b>"))
            XCTAssertTrue(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            XCTAssertTrue(page.html.contains("Robert&#39;); DROP TABLE members;--"))
            XCTAssertTrue(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
            XCTAssertTrue(page.html.contains("&quot;quoted&quot;"))
            XCTAssertTrue(page.html.contains("robert&#39;);--&lt;b&gt;@example.org"))

            // The data is stored as typed, and the members table is still there.
            let stored = try await site.store.requests(status: .pending)
            XCTAssertEqual(stored.count, 1)
            XCTAssertEqual(stored.first?.name, sql + " " + script)
            XCTAssertEqual(stored.first?.affiliation, script + " & co")
            XCTAssertEqual(stored.first?.note, "\(sql)\n\(script)\n\"quoted\"")
            XCTAssertEqual(stored.first?.email, email)
            let members = try await site.store.members()
            XCTAssertEqual(members.count, 1)
        }
    }

    func testMembersLimitsSuspensionInvitesAndAudit() async throws {
        let site = try await TestSite.open()
        let adminMember = try await site.makeAdmin()
        let member = try await site.makeMember("m@example.org", password: "member-password")
        try await site.run { admin in
            try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
            let csrf = try await admin.sessionCSRF()

            let saved = try await admin.post("/admin/members/\(member.id)/limits", [
                ("csrf", csrf), ("requests_per_minute", "60"), ("tokens_per_minute", ""), ("tokens_per_day", "100000"),
                ("allowed_models", "smollm2-135m, tiny-llama3"),
            ])
            XCTAssertEqual(saved.status, .seeOther)
            let limited = try await site.store.member(id: member.id)
            XCTAssertEqual(limited?.limits, Limits(requestsPerMinute: 60, tokensPerMinute: nil, tokensPerDay: 100_000,
                                                   allowedModels: ["smollm2-135m", "tiny-llama3"]))
            let bad = try await admin.post("/admin/members/\(member.id)/limits", [("csrf", csrf), ("requests_per_minute", "lots")])
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertTrue(bad.html.contains("must be a whole number"))

            let members = try await admin.get("/admin/members")
            XCTAssertTrue(members.html.contains("value=\"100000\""))
            XCTAssertTrue(members.html.contains("smollm2-135m, tiny-llama3"))

            let suspended = try await admin.post("/admin/members/\(member.id)/suspend", [("csrf", csrf)])
            XCTAssertEqual(suspended.status, .seeOther)
            let status = try await site.store.member(id: member.id)?.status
            XCTAssertEqual(status, .suspended)
            let selfSuspend = try await admin.post("/admin/members/\(adminMember.id)/suspend", [("csrf", csrf)])
            XCTAssertEqual(selfSuspend.status, .badRequest)
            _ = try await admin.post("/admin/members/\(member.id)/reactivate", [("csrf", csrf)])
            let back = try await site.store.member(id: member.id)?.status
            XCTAssertEqual(back, .active)

            let invited = try await admin.post("/admin/invites", [("csrf", csrf), ("email", "direct@example.org")])
            XCTAssertEqual(invited.status, .ok)
            XCTAssertNotNil(invited.captures(#"(http://127\.0\.0\.1:8000/invite/[A-Za-z0-9_-]+)"#).first)
            let invites = try await admin.get("/admin/invites")
            XCTAssertTrue(invites.html.contains("direct@example.org"))
            let inviteID = try XCTUnwrap(invites.captures(#"action="/admin/invites/([A-Za-z0-9]+)/revoke""#).first)
            let revoked = try await admin.post("/admin/invites/\(inviteID)/revoke", [("csrf", csrf)])
            XCTAssertEqual(revoked.status, .seeOther)
            let afterRevoke = try await admin.get("/admin/invites")
            XCTAssertTrue(afterRevoke.html.contains("badge revoked"))

            let audit = try await admin.get("/admin/audit")
            XCTAssertEqual(audit.status, .ok)
            XCTAssertTrue(audit.html.contains("invite.revoke"))
            XCTAssertTrue(audit.html.contains(TestSite.adminEmail) || audit.html.contains(adminMember.id))
        }
    }

    func testDashboardDrawsUsageAsInlineSVG() async throws {
        let site = try await TestSite.open()
        let member = try await site.makeMember("m@example.org", password: "member-password")
        let issued = try await site.store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        try await site.store.record(UsageRecord(memberID: member.id, keyID: issued.key.id, model: "m", route: "/v1/completions",
                                                promptTokens: 1200, completionTokens: 34, status: 200, latencyMilliseconds: 5,
                                                time: site.clock.now))
        try await site.run { browser in
            try await browser.signIn("m@example.org", "member-password")
            let page = try await browser.get("/dashboard")
            XCTAssertTrue(page.html.contains("<svg class=\"chart\""))
            XCTAssertEqual(page.captures(#"(<rect class="bar")"#).count, 30)
            XCTAssertTrue(page.html.contains("1,234 tokens (1,200 prompt, 34 completion), 1 requests"))
            XCTAssertTrue(page.html.contains("<title>"))
            XCTAssertTrue(page.html.contains("Requests per minute"))
        }
    }
}
