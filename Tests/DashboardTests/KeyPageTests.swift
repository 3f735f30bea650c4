import Access
import Foundation
import XCTest

/// A member's key page (rename, budgets, pause and resume) and the admin's
/// monthly budget form.
final class KeyPageTests: XCTestCase {
    func testAMemberManagesOnlyTheirOwnKeysAndBudgetsStayWithinTheAccount() async throws {
        let site = try await TestSite.open()
        let owner = try await site.makeMember("owner@example.org", password: "owner-password")
        try await site.makeMember("other@example.org", password: "other-password")
        try await site.store.setMonthlyBudget(memberID: owner.id, tokens: 1000, by: nil)
        let issued = try await site.store.createKey(memberID: owner.id, name: "laptop", expiresAt: nil, limits: .none, by: nil)
        let id = issued.key.id
        try await site.run { other in
            try await other.signIn("other@example.org", "other-password")
            let csrf = try await other.sessionCSRF()
            let foreign = try await other.get("/dashboard/keys/\(id)")
            XCTAssertEqual(foreign.status, .notFound)
            for action in ["pause", "resume", "rename", "budget"] {
                let page = try await other.post("/dashboard/keys/\(id)/\(action)",
                                                [("csrf", csrf), ("name", "mine"), ("monthly_budget", "5"), ("daily_budget", "")])
                XCTAssertEqual(page.status, .notFound, action)
            }
            let untouched = try await site.store.keys(memberID: owner.id).first
            XCTAssertEqual(untouched?.name, "laptop")
            XCTAssertNil(untouched?.pausedAt)
            XCTAssertEqual(untouched?.budgets, KeyBudgets.none)

            let member = Browser(client: other.client)
            try await member.signIn("owner@example.org", "owner-password")
            let token = try await member.sessionCSRF()
            // Above the account's 1,000: a clear form error, nothing saved.
            let tooBig = try await member.post("/dashboard/keys/\(id)/budget",
                                               [("csrf", token), ("monthly_budget", "2000"), ("daily_budget", "")])
            XCTAssertEqual(tooBig.status, .badRequest)
            XCTAssertTrue(tooBig.html.contains("above the account&#39;s monthly budget of 1000 tokens")
                          || tooBig.html.contains("above the account's monthly budget of 1000 tokens"), tooBig.html)
            let notANumber = try await member.post("/dashboard/keys/\(id)/budget",
                                                   [("csrf", token), ("monthly_budget", "lots"), ("daily_budget", "")])
            XCTAssertEqual(notANumber.status, .badRequest)
            XCTAssertTrue(notANumber.html.contains("whole number of tokens"))
            let saved = try await member.post("/dashboard/keys/\(id)/budget",
                                              [("csrf", token), ("monthly_budget", "800"), ("daily_budget", "100")])
            XCTAssertEqual(saved.status, .seeOther)
            let budgets = try await site.store.keys(memberID: owner.id).first?.budgets
            XCTAssertEqual(budgets, KeyBudgets(monthly: 800, daily: 100))

            let renamed = try await member.post("/dashboard/keys/\(id)/rename", [("csrf", token), ("name", "desktop")])
            XCTAssertEqual(renamed.status, .seeOther)
            let paused = try await member.post("/dashboard/keys/\(id)/pause", [("csrf", token)])
            XCTAssertEqual(paused.location, "/dashboard?done=paused")
            let list = try await member.get("/dashboard")
            XCTAssertTrue(list.html.contains(#"<span class="badge paused">paused</span>"#), list.html)
            XCTAssertTrue(list.html.contains("desktop"))
            XCTAssertTrue(list.html.contains("0 of 800"))
            let pausedAt = try await site.store.keys(memberID: owner.id).first?.pausedAt
            XCTAssertNotNil(pausedAt)
            _ = try await member.post("/dashboard/keys/\(id)/resume", [("csrf", token)])
            let resumedAt = try await site.store.keys(memberID: owner.id).first?.pausedAt
            XCTAssertNil(resumedAt)
        }
    }

    func testAdminsSetAndClearAMembersMonthlyBudget() async throws {
        let site = try await TestSite.open()
        try await site.makeAdmin()
        let member = try await site.makeMember("m@example.org", password: "member-password")
        try await site.run { browser in
            try await browser.signIn(TestSite.adminEmail, TestSite.adminPassword)
            let csrf = try await browser.sessionCSRF()
            let bad = try await browser.post("/admin/members/\(member.id)/budget", [("csrf", csrf), ("monthly_budget", "-5")])
            XCTAssertEqual(bad.status, .badRequest)
            let set = try await browser.post("/admin/members/\(member.id)/budget", [("csrf", csrf), ("monthly_budget", "5000")])
            XCTAssertEqual(set.location, "/admin/members?done=budget")
            let budget = try await site.store.member(id: member.id)?.monthlyTokenBudget
            XCTAssertEqual(budget, 5000)
            _ = try await browser.post("/admin/members/\(member.id)/budget", [("csrf", csrf), ("monthly_budget", "")])
            let cleared = try await site.store.member(id: member.id)?.monthlyTokenBudget
            XCTAssertNil(cleared)
        }
    }
}
