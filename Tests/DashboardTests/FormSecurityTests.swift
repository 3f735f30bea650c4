import Access
import Foundation
import HTTPTypes
import XCTest

/// CSRF, origin checks, body limits and the request-form brake.
final class FormSecurityTests: XCTestCase {
    private static let requestFields = [("name", "Ann"), ("email", "ann@example.org"), ("affiliation", ""), ("note", "research")]

    func testAnonymousFormsNeedTheDoubleSubmitToken() async throws {
        let site = try await TestSite.open()
        try await site.run { browser in
            let home = try await browser.get("/")
            let token = try XCTUnwrap(home.csrf)

            let missing = try await browser.post("/request-access", Self.requestFields)
            XCTAssertEqual(missing.status, .forbidden)
            XCTAssertTrue(missing.html.contains("<h1>Form expired</h1>"))

            let forged = try await browser.post("/request-access", [("csrf", String(repeating: "a", count: 32))] + Self.requestFields)
            XCTAssertEqual(forged.status, .forbidden)

            // The right value twice over, and a wrong one beside it: ambiguous, refused.
            let doubled = try await browser.post("/request-access", [("csrf", token), ("csrf", "x")] + Self.requestFields)
            XCTAssertEqual(doubled.status, .forbidden)

            // A token lifted from a page is useless without the cookie that goes with it.
            let noCookie = Browser(client: browser.client)
            let stolen = try await noCookie.post("/request-access", [("csrf", token)] + Self.requestFields)
            XCTAssertEqual(stolen.status, .forbidden)

            let pending = try await site.store.requests(status: .pending)
            XCTAssertTrue(pending.isEmpty, "no refused form reached the store")

            let ok = try await browser.post("/request-access", [("csrf", token)] + Self.requestFields)
            XCTAssertEqual(ok.status, .ok)
        }
    }

    func testSignedInFormsNeedTheSessionToken() async throws {
        let site = try await TestSite.open()
        try await site.makeMember("m@example.org", password: "member-password")
        try await site.run { browser in
            try await browser.signIn("m@example.org", "member-password")
            let dashboard = try await browser.get("/dashboard")
            XCTAssertEqual(dashboard.status, .ok)
            // The anonymous double-submit token is not the session's.
            let anonymous = try XCTUnwrap(browser.cookies["baseserve_csrf"])
            for csrf in ["", "nonsense", anonymous] {
                let refused = try await browser.post("/dashboard/keys", [("csrf", csrf), ("name", "k")])
                XCTAssertEqual(refused.status, .forbidden, "csrf \(csrf)")
            }
            let member = try await site.store.member(email: "m@example.org")
            let keys = try await site.store.keys(memberID: member!.id)
            XCTAssertTrue(keys.isEmpty)
            let out = try await browser.post("/signout", [("csrf", "wrong")])
            XCTAssertEqual(out.status, .forbidden)
        }
    }

    func testCrossSitePostsAreRefusedEvenWithAValidToken() async throws {
        let site = try await TestSite.open()
        try await site.run { browser in
            let home = try await browser.get("/")
            let fields = [("csrf", home.csrf ?? "")] + Self.requestFields
            var crossSite = HTTPFields()
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let fetchMeta = try await browser.post("/request-access", fields, headers: crossSite)
            XCTAssertEqual(fetchMeta.status, .forbidden)

            for origin in ["https://evil.example", "null", "http://127.0.0.1:8001"] {
                var headers = HTTPFields()
                headers[.origin] = origin
                let refused = try await browser.post("/request-access", fields, headers: headers)
                XCTAssertEqual(refused.status, .forbidden, origin)
            }

            var sameSite = HTTPFields()
            sameSite[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            let accepted = try await browser.post("/request-access", fields, headers: sameSite)
            XCTAssertEqual(accepted.status, .ok)
            // No Origin at all (older browsers, curl) still works: the token is the defence.
            let noOrigin = try await browser.post("/request-access", fields, sameOrigin: false)
            XCTAssertEqual(noOrigin.status, .ok)
        }
    }

    func testOversizedAndMalformedBodies() async throws {
        let site = try await TestSite.open()
        try await site.run { browser in
            let home = try await browser.get("/")
            let big = try await browser.post("/request-access", [("csrf", home.csrf ?? ""), ("note", String(repeating: "x", count: 70_000))])
            XCTAssertEqual(big.status, .contentTooLarge)
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            headers[.origin] = TestSite.publicURL
            let broken = try await browser.send("/request-access", method: .post, headers: headers, body: "csrf=\(home.csrf ?? "")&name=%ZZ")
            XCTAssertEqual(broken.status, .badRequest)
            XCTAssertTrue(broken.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    func testValidationMessagesShowInTheForm() async throws {
        let site = try await TestSite.open()
        try await site.run { browser in
            let home = try await browser.get("/")
            let page = try await browser.post("/request-access", [
                ("csrf", home.csrf ?? ""), ("name", "  "), ("email", "not-an-email"), ("note", String(repeating: "n", count: 2001)),
            ])
            XCTAssertEqual(page.status, .badRequest)
            XCTAssertTrue(page.html.contains("Please give your name."))
            XCTAssertTrue(page.html.contains("That does not look like an email address."))
            XCTAssertTrue(page.html.contains("Please keep the note to 2000 characters"))
            XCTAssertTrue(page.html.contains("value=\"not-an-email\""), "what was typed stays in the form")
        }
    }

    func testRequestFormIsRateLimitedPerAddress() async throws {
        let site = try await TestSite.open()  // three per hour in tests
        try await site.run { browser in
            let home = try await browser.get("/")
            for i in 0..<3 {
                let ok = try await browser.post("/request-access", [("csrf", home.csrf ?? ""), ("name", "N\(i)"), ("email", "n\(i)@example.org"),
                                                                    ("note", "n")])
                XCTAssertEqual(ok.status, .ok)
            }
            let limited = try await browser.post("/request-access", [("csrf", home.csrf ?? ""), ("name", "N"), ("email", "n@example.org"), ("note", "n")])
            XCTAssertEqual(limited.status, .tooManyRequests)
            XCTAssertNotNil(limited.headers[.retryAfter])
            XCTAssertTrue(limited.html.contains("Too many requests"))
            let stored = try await site.store.requests(status: .pending)
            XCTAssertEqual(stored.count, 3)

            site.clock.advance(3601)
            let again = try await browser.post("/request-access", [("csrf", home.csrf ?? ""), ("name", "N"), ("email", "n@example.org"), ("note", "n")])
            XCTAssertEqual(again.status, .ok)
        }
    }

    func testPagesCarrySecurityHeadersAndTheStylesheetIsServed() async throws {
        let site = try await TestSite.open()
        try await site.run { browser in
            let home = try await browser.get("/")
            XCTAssertEqual(home.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertEqual(home.headers[.xContentTypeOptions], "nosniff")
            XCTAssertEqual(home.headers[HTTPField.Name("X-Frame-Options")!], "DENY")
            XCTAssertEqual(home.headers[HTTPField.Name("Referrer-Policy")!], "same-origin")
            let csp = try XCTUnwrap(home.headers[.contentSecurityPolicy])
            XCTAssertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            XCTAssertTrue(home.html.contains("name=\"viewport\""))
            XCTAssertFalse(home.html.contains("<script>"), "no inline script")

            let css = try await browser.get("/static/style.css")
            XCTAssertEqual(css.status, .ok)
            XCTAssertEqual(css.headers[.contentType], "text/css; charset=utf-8")
            XCTAssertTrue(css.headers[.cacheControl]?.contains("max-age") == true)
            let js = try await browser.get("/static/copy.js")
            XCTAssertEqual(js.headers[.contentType], "text/javascript; charset=utf-8")
        }
    }
}
