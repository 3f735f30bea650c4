import Access
@testable import Dashboard
import Foundation
import HTTPTypes
import XCTest

/// The usage pages over a real store: a member sees their own month, with its
/// request ids, and downloads it as CSV; admins see everyone's.
final class UsagePageTests: XCTestCase {
    func testAMemberSeesTheirOwnUsageAndAdminsSeeEveryones() async throws {
        let site = try await TestSite.open()
        try await site.makeAdmin()
        let ada = try await site.makeMember("ada@example.org", password: "ada-password-1")
        let bob = try await site.makeMember("bob@example.org", password: "bob-password-1")
        let key = try await site.store.createKey(memberID: ada.id, name: "laptop", expiresAt: nil, limits: .none, by: nil)
        let now = site.clock.now
        func use(_ member: Member, _ keyID: String?, id: String, workload: String?, user: String?) async throws {
            try await site.store.record(UsageRecord(
                memberID: member.id, keyID: keyID, model: "smollm2", route: "/v1/completions", promptTokens: 7,
                completionTokens: 3, status: 200, latencyMilliseconds: 12, time: now, user: user, requestID: id,
                queueMilliseconds: 250, workload: workload))
        }
        try await use(ada, key.key.id, id: "ada-request-1", workload: "batch", user: "=HYPERLINK(\"http://evil\")")
        try await use(bob, nil, id: "bob-request-1", workload: nil, user: nil)
        try await site.store.database.query("UPDATE members SET monthly_token_budget = 40 WHERE id = ?", [.text(ada.id)])
        try await site.store.setMemberConcurrency(memberID: ada.id, maxConcurrency: 2, by: nil)

        try await site.run { browser in
            let stranger = try await browser.get("/dashboard/usage")
            XCTAssertEqual(stranger.status, .seeOther)
            XCTAssertEqual(stranger.location, "/signin")

            try await browser.signIn("ada@example.org", "ada-password-1")
            let page = try await browser.get("/dashboard/usage")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.html.contains("ada-request-1"))
            XCTAssertFalse(page.html.contains("bob-request-1"), "a member sees only their own requests")
            XCTAssertTrue(page.html.contains("10 of 40 tokens"), "the account's budget as a bar")
            XCTAssertTrue(page.html.contains("250 ms"))
            XCTAssertTrue(page.html.contains("laptop (\(key.key.id))"))
            XCTAssertTrue(page.html.contains("<td>batch</td>"))

            let csv = try await browser.get("/dashboard/usage.csv")
            XCTAssertEqual(csv.status, .ok)
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            XCTAssertTrue(csv.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"baseserve-usage-") ?? false)
            let lines = csv.html.split(separator: "\r\n").map(String.init)
            XCTAssertEqual(lines.count, 2)
            XCTAssertEqual(lines[0], UsageCSV.header.joined(separator: ","))
            XCTAssertTrue(lines[1].contains(",ada-request-1,"))
            XCTAssertTrue(lines[1].contains(",250,batch,"))
            // The client's `user` cannot become a spreadsheet formula.
            XCTAssertTrue(lines[1].hasSuffix(",\"'=HYPERLINK(\"\"http://evil\"\")\""), lines[1])

            for path in ["/admin/usage", "/admin/usage.csv"] {
                let refused = try await browser.get(path)
                XCTAssertEqual(refused.status, .forbidden, path)
            }

            let admin = Browser(client: browser.client)
            try await admin.signIn(TestSite.adminEmail, TestSite.adminPassword)
            let all = try await admin.get("/admin/usage")
            XCTAssertEqual(all.status, .ok)
            XCTAssertTrue(all.html.contains("ada-request-1") && all.html.contains("bob-request-1"))
            XCTAssertTrue(all.html.contains("By member"))
            let allCSV = try await admin.get("/admin/usage.csv")
            XCTAssertEqual(allCSV.html.split(separator: "\r\n").count, 3)
            let members = try await admin.get("/admin/members")
            XCTAssertTrue(members.html.contains("2 per key"))
        }
    }

    func testCSVCellsAreQuotedAndFormulasDefused() {
        XCTAssertEqual(UsageCSV.cell("plain"), "plain")
        XCTAssertEqual(UsageCSV.cell("a,b"), "\"a,b\"")
        XCTAssertEqual(UsageCSV.cell("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(UsageCSV.cell("line\nbreak"), "\"line\nbreak\"")
        XCTAssertEqual(UsageCSV.cell("=1+1"), "'=1+1")
        XCTAssertEqual(UsageCSV.cell("+1"), "'+1")
        XCTAssertEqual(UsageCSV.cell("-1"), "'-1")
        XCTAssertEqual(UsageCSV.cell("@SUM(A1)"), "'@SUM(A1)")
    }
}
