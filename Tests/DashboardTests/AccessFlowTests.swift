import Access
import Foundation
import XCTest

/// The whole way in: request → approval → invite → account → key → revoke.
final class AccessFlowTests: XCTestCase {
    func testRequestApproveInviteAccountKeyRevoke() async throws {
        let site = try await TestSite.open()
        try await site.makeAdmin()
        let store = site.store
        try await site.run { stranger in
            // 1. A stranger asks for access.
            let home = try await stranger.get("/")
            XCTAssertEqual(home.status, .ok)
            XCTAssertTrue(home.html.contains("exact prompt logprobs"))
            XCTAssertTrue(home.setCookies.contains { $0.hasPrefix("baseserve_csrf=") && $0.contains("HttpOnly") && $0.contains("SameSite=Lax") })
            let sent = try await stranger.post("/request-access", [
                ("csrf", home.csrf ?? ""), ("name", "Grace Hopper"), ("email", "Grace@Example.org"),
                ("affiliation", "Navy"), ("note", "Scoring COBOL comments by surprisal."),
            ])
            XCTAssertEqual(sent.status, .ok, sent.html)
            XCTAssertTrue(sent.html.contains("An admin reviews"))

            // 2. The admin approves it, through the page and its CSRF token.
            let admin = Browser(client: stranger.client)
            let signedIn = try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
            XCTAssertEqual(signedIn.status, .seeOther)
            XCTAssertEqual(signedIn.location, "/dashboard")
            let requests = try await admin.get("/admin/requests")
            XCTAssertEqual(requests.status, .ok)
            XCTAssertTrue(requests.html.contains("Scoring COBOL comments by surprisal."))
            let id = try XCTUnwrap(requests.captures(#"action="/admin/requests/([A-Za-z0-9]+)/approve""#).first)
            let approved = try await admin.post("/admin/requests/\(id)/approve", [("csrf", requests.csrf ?? ""), ("note", "welcome")])
            XCTAssertEqual(approved.status, .ok, approved.html)
            XCTAssertTrue(approved.html.contains("No mail server is configured"))
            let link = try XCTUnwrap(approved.captures(#"(http://127\.0\.0\.1:8000/invite/[A-Za-z0-9_-]+)"#).first)
            let invitePath = String(link.dropFirst(TestSite.publicURL.count))
            let stillPending = try await store.requests(status: .pending)
            XCTAssertTrue(stillPending.isEmpty)

            // 3. The invite page shows the invited email and creates the account.
            let newcomer = Browser(client: stranger.client)
            let invite = try await newcomer.get(invitePath)
            XCTAssertEqual(invite.status, .ok)
            XCTAssertTrue(invite.html.contains("grace@example.org"))
            let mismatch = try await newcomer.post(invitePath, [("csrf", invite.csrf ?? ""), ("name", "Grace"),
                                                                ("password", "correct horse"), ("confirm", "correct horsf")])
            XCTAssertEqual(mismatch.status, .badRequest)
            XCTAssertTrue(mismatch.html.contains("The two passwords differ."))
            let created = try await newcomer.post(invitePath, [("csrf", invite.csrf ?? ""), ("name", "Grace"),
                                                               ("password", "correct horse"), ("confirm", "correct horse")])
            XCTAssertEqual(created.status, .seeOther, created.html)
            XCTAssertEqual(created.location, "/dashboard")
            let sessionCookie = try XCTUnwrap(created.setCookies.first { $0.hasPrefix("baseserve_session=") })
            XCTAssertEqual(Set(sessionCookie.components(separatedBy: "; ").dropFirst()), ["Path=/", "HttpOnly", "SameSite=Lax"], sessionCookie)

            // 4. A key is shown whole once, then only as its prefix.
            let dashboard = try await newcomer.get("/dashboard")
            XCTAssertEqual(dashboard.status, .ok)
            XCTAssertTrue(dashboard.html.contains("No keys yet"))
            let shown = try await newcomer.post("/dashboard/keys", [("csrf", dashboard.csrf ?? ""), ("name", "laptop"), ("expires_days", "30")])
            XCTAssertEqual(shown.status, .ok, shown.html)
            let secret = try XCTUnwrap(shown.captures(#"id="new-key">(bsk_[^<]+)<"#).first)
            XCTAssertTrue(shown.html.contains("only time it is shown"))
            XCTAssertTrue(shown.html.contains("data-copy=\"new-key\""))
            let auth = try await store.authenticate(key: secret)
            XCTAssertNotNil(auth, "the key shown exists in the database")
            let key = try XCTUnwrap(auth?.key)

            let later = try await newcomer.get("/dashboard")
            XCTAssertTrue(later.html.contains(key.displayPrefix))
            XCTAssertTrue(later.html.contains("laptop"))
            XCTAssertFalse(later.html.contains(secret), "the full key is never shown again")

            // 5. Revoked, it stops authenticating.
            let revoked = try await newcomer.post("/dashboard/keys/\(key.id)/revoke", [("csrf", later.csrf ?? "")])
            XCTAssertEqual(revoked.status, .seeOther)
            let gone = try await store.authenticate(key: secret)
            XCTAssertNil(gone)
            let afterRevoke = try await newcomer.get(revoked.location ?? "/dashboard")
            XCTAssertTrue(afterRevoke.html.contains("revoked"))

            // 6. The invite works once.
            let reused = try await Browser(client: stranger.client).get(invitePath)
            XCTAssertEqual(reused.status, .gone)
            XCTAssertTrue(reused.html.contains("This invite has already been used"))
            let reusedPost = try await newcomer.post(invitePath, [("csrf", invite.csrf ?? ""), ("name", "Mallory"),
                                                                  ("password", "another pass"), ("confirm", "another pass")])
            XCTAssertEqual(reusedPost.status, .gone)

            // 7. Sign-out ends the session.
            let out = try await newcomer.post("/signout", [("csrf", afterRevoke.csrf ?? "")])
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertTrue(out.setCookies.contains { $0.hasPrefix("baseserve_session=;") && $0.contains("Max-Age=0") })
            let token = try XCTUnwrap(sessionCookie.split(separator: ";").first?.split(separator: "=").last.map(String.init))
            let ended = try await store.session(token: token)
            XCTAssertNil(ended)
            let redirected = try await newcomer.get("/dashboard")
            XCTAssertEqual(redirected.status, .seeOther)
            XCTAssertEqual(redirected.location, "/signin")
        }
    }

    func testApprovalEmailsTheLinkOrSaysSendingFailed() async throws {
        for fails in [false, true] {
            let mailer = RecordingMailer(fails: fails)
            let site = try await TestSite.open(mailer: mailer)
            try await site.makeAdmin()
            let request = try await site.store.submitRequest(name: "Alan", email: "alan@example.org", affiliation: nil, note: "tests")
            try await site.run { admin in
                try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
                let csrf = try await admin.sessionCSRF()
                let page = try await admin.post("/admin/requests/\(request.id)/approve", [("csrf", csrf), ("note", "")])
                XCTAssertEqual(page.status, .ok)
                let link = try XCTUnwrap(page.captures(#"(http://127\.0\.0\.1:8000/invite/[A-Za-z0-9_-]+)"#).first)
                if fails {
                    XCTAssertTrue(page.html.contains("Sending the email failed"))
                    XCTAssertTrue(mailer.sent.isEmpty)
                } else {
                    XCTAssertTrue(page.html.contains("was emailed to alan@example.org"))
                    XCTAssertEqual(mailer.sent.first?.link, link)
                }
                // Approved once; a second approval says so.
                let again = try await admin.post("/admin/requests/\(request.id)/approve", [("csrf", csrf)])
                XCTAssertEqual(again.status, .conflict)
            }
        }
    }

    func testFirstAdminSetupLinkWorksOnce() async throws {
        let site = try await TestSite.open()
        let token = try await site.store.createSetupToken(lifetime: 3600)
        try await site.run { browser in
            let form = try await browser.get("/setup/\(token)")
            XCTAssertEqual(form.status, .ok)
            let done = try await browser.post("/setup/\(token)", [
                ("csrf", form.csrf ?? ""), ("email", "root@example.org"), ("name", "Root"),
                ("password", "setup-password"), ("confirm", "setup-password"),
            ])
            XCTAssertEqual(done.status, .seeOther, done.html)
            XCTAssertEqual(done.location, "/admin/requests")
            let requests = try await browser.get("/admin/requests")
            XCTAssertEqual(requests.status, .ok)
            XCTAssertTrue(requests.html.contains("No pending requests"))
            let hasAdmin = try await site.store.hasAdmin()
            XCTAssertTrue(hasAdmin)

            let again = try await Browser(client: browser.client).get("/setup/\(token)")
            XCTAssertEqual(again.status, .gone)
        }
    }
}
