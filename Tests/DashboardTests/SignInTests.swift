import Access
import Foundation
import XCTest

final class SignInTests: XCTestCase {
    func testWrongPasswordFailsAndFiveFailuresLockTheEmailOut() async throws {
        let site = try await TestSite.open()
        try await site.makeMember("m@example.org", password: "right-password")
        try await site.run { browser in
            for _ in 0..<5 {
                let failed = try await browser.signIn("m@example.org", "wrong-password")
                XCTAssertEqual(failed.status, .unauthorized)
                XCTAssertTrue(failed.html.contains("do not match an account"))
                XCTAssertNil(browser.cookies["baseserve_session"])
            }
            // Locked: even the right password is refused, without being checked.
            let locked = try await browser.signIn("M@Example.org", "right-password")
            XCTAssertEqual(locked.status, .tooManyRequests)
            XCTAssertTrue(locked.html.contains("Too many failed sign-ins"))
            XCTAssertNil(browser.cookies["baseserve_session"])

            // Another email is not affected, and an unknown one fails like a wrong password.
            let unknown = try await browser.signIn("nobody@example.org", "whatever-pass")
            XCTAssertEqual(unknown.status, .unauthorized)

            site.clock.advance(16 * 60)
            let ok = try await browser.signIn("m@example.org", "right-password")
            XCTAssertEqual(ok.status, .seeOther)
            XCTAssertNotNil(browser.cookies["baseserve_session"])
        }
    }

    func testSignInMintsAFreshSessionAndIgnoresAPlantedCookie() async throws {
        let site = try await TestSite.open()
        try await site.makeMember("m@example.org", password: "right-password")
        try await site.run { browser in
            let planted = "attacker-chosen-session-value"
            browser.cookies["baseserve_session"] = planted
            let first = try await browser.signIn("m@example.org", "right-password")
            XCTAssertEqual(first.status, .seeOther)
            let fresh = try XCTUnwrap(browser.cookies["baseserve_session"])
            XCTAssertNotEqual(fresh, planted)
            let plantedSession = try await site.store.session(token: planted)
            XCTAssertNil(plantedSession, "the planted value never became a session")
            let freshSession = try await site.store.session(token: fresh)
            XCTAssertNotNil(freshSession)

            // Signing in again, with a real session cookie, replaces that session too.
            // Signed in, /signin redirects; the form's token is the double-submit cookie's value.
            let csrf = try XCTUnwrap(browser.cookies["baseserve_csrf"])
            let second = try await browser.post("/signin", [("csrf", csrf), ("email", "m@example.org"), ("password", "right-password")])
            XCTAssertEqual(second.status, .seeOther)
            let newer = try XCTUnwrap(browser.cookies["baseserve_session"])
            XCTAssertNotEqual(newer, fresh)
            let old = try await site.store.session(token: fresh)
            XCTAssertNil(old)
        }
    }

    func testSuspendedMembersCannotSignInAndLoseTheirSession() async throws {
        let site = try await TestSite.open()
        let member = try await site.makeMember("m@example.org", password: "right-password")
        try await site.run { browser in
            try await browser.signIn("m@example.org", "right-password")
            let before = try await browser.get("/dashboard")
            XCTAssertEqual(before.status, .ok)
            try await site.store.setStatus(memberID: member.id, status: .suspended, by: nil)
            let after = try await browser.get("/dashboard")
            XCTAssertEqual(after.status, .seeOther)
            let refused = try await Browser(client: browser.client).signIn("m@example.org", "right-password")
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertTrue(refused.html.contains("suspended"))
        }
    }

    func testSecureCookiesWhenConfigured() async throws {
        let site = try await TestSite.open()
        try await site.makeMember("m@example.org", password: "right-password")
        var configuration = site.configuration
        configuration.secureCookies = true
        try await site.run(configuration: configuration) { browser in
            let form = try await browser.get("/signin")
            XCTAssertTrue(form.setCookies.allSatisfy { $0.contains("; Secure") })
            let ok = try await browser.signIn("m@example.org", "right-password")
            let session = try XCTUnwrap(ok.setCookies.first { $0.hasPrefix("baseserve_session=") })
            let attributes = Set(session.components(separatedBy: "; ").dropFirst())
            XCTAssertEqual(attributes, ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"])
        }
    }
}
