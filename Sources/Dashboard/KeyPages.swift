import Access
import API
import Foundation
import Hummingbird

/// One key's page on the member's dashboard: its use against its budgets,
/// renaming it, setting its budgets, pausing and resuming it. Every action is
/// on the member's own keys only: the store's statements carry the owner.
struct KeyPages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/dashboard/keys/:id") { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                return try await keyPage(context.parameters.get("id") ?? "", visitor, extra: Self.flash(request))
            }
        }
        post(router, "/dashboard/keys/:id/rename") { id, form, member, visitor in try await rename(id, form, member, visitor) }
        post(router, "/dashboard/keys/:id/budget") { id, form, member, visitor in try await setBudgets(id, form, member, visitor) }
        post(router, "/dashboard/keys/:id/pause") { id, _, member, visitor in try await setPaused(id, true, member, visitor) }
        post(router, "/dashboard/keys/:id/resume") { id, _, member, visitor in try await setPaused(id, false, member, visitor) }
    }

    /// A member's POST: signed in, the form's session token checked.
    private func post(_ router: Router<APIRequestContext>, _ path: RouterPath,
                      _ body: @escaping @Sendable (String, FormData, Member, Visitor) async throws -> Response) {
        router.post(path) { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                switch await site.readForm(request, visitor, protection: .session) {
                case .success(let form): return try await body(context.parameters.get("id") ?? "", form, member, visitor)
                case .failure(let refusal): return refusal
                }
            }
        }
    }

    private static func flash(_ request: Request) -> [String: Any] {
        let messages = ["renamed": "Key renamed.", "budget": "Budgets saved."]
        return request.uri.queryParameters.get("done").flatMap { messages[$0] }.map { ["flash": $0] } ?? [:]
    }

    private func noSuchKey(_ visitor: Visitor) -> Response {
        site.message(visitor, status: .notFound, title: "No such key", text: "You have no key with that id.",
                     link: (href: "/dashboard", label: "Back to the dashboard"))
    }

    private func keyPage(_ id: String, _ visitor: Visitor, status: HTTPResponse.Status = .ok,
                         extra: [String: Any] = [:]) async throws -> Response {
        guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
        guard let key = try await site.store.keys(memberID: member.id).first(where: { $0.id == id }) else {
            return noSuchKey(visitor)
        }
        let now = site.configuration.now()
        let budgets = try await site.store.budgetUsage(memberID: member.id, at: now)
        var data: [String: Any] = MemberPages.row(key, now: now, budgets: budgets)
        data["monthResets"] = DisplayFormat.time(budgets.monthResetsAt)
        data["dayResets"] = DisplayFormat.time(budgets.dayResetsAt)
        if let account = budgets.accountMonthlyBudget { data["accountBudget"] = DisplayFormat.count(account) + " tokens" }
        data.merge(extra) { $1 }
        return site.page("keyPage", visitor, status: status, data: data)
    }

    private func rename(_ id: String, _ form: FormData, _ member: Member, _ visitor: Visitor) async throws -> Response {
        let name = form.trimmed("name")
        if let error = MemberPages.keyNameError(name) {
            return try await keyPage(id, visitor, status: .badRequest, extra: ["renameError": error])
        }
        do {
            try await site.store.renameKey(id: id, memberID: member.id, name: name, by: member.id)
        } catch AccessError.notFound {
            return noSuchKey(visitor)
        }
        site.logger.info("Dashboard: member \(member.id) renamed key \(id)")
        return site.redirect(visitor, to: "/dashboard/keys/\(id)?done=renamed")
    }

    private func setBudgets(_ id: String, _ form: FormData, _ member: Member, _ visitor: Visitor) async throws -> Response {
        let monthly = form.trimmed("monthly_budget")
        let daily = form.trimmed("daily_budget")
        let typed: [String: Any] = ["monthlyBudget": monthly, "dailyBudget": daily]
        switch MemberPages.budgets(monthly: monthly, daily: daily) {
        case .failure(let refusal):
            return try await keyPage(id, visitor, status: .badRequest, extra: typed.merging(["budgetError": refusal.reason]) { $1 })
        case .success(let budgets):
            do {
                try await site.store.setKeyBudgets(id: id, memberID: member.id, budgets: budgets, by: member.id)
            } catch AccessError.notFound {
                return noSuchKey(visitor)
            } catch AccessError.invalid(let reason) {
                // Above the account's budget, or the daily above the monthly.
                return try await keyPage(id, visitor, status: .badRequest, extra: typed.merging(["budgetError": reason]) { $1 })
            }
        }
        site.logger.info("Dashboard: member \(member.id) set the budgets of key \(id)")
        return site.redirect(visitor, to: "/dashboard/keys/\(id)?done=budget")
    }

    private func setPaused(_ id: String, _ paused: Bool, _ member: Member, _ visitor: Visitor) async throws -> Response {
        do {
            try await site.store.setKeyPaused(id: id, memberID: member.id, paused: paused, by: member.id)
        } catch AccessError.notFound {
            return noSuchKey(visitor)
        } catch AccessError.conflict(let reason) {
            return site.message(visitor, status: .conflict, title: "Revoked", text: reason,
                                link: (href: "/dashboard", label: "Back to the dashboard"))
        }
        site.logger.info("Dashboard: member \(member.id) \(paused ? "paused" : "resumed") key \(id)")
        return site.redirect(visitor, to: "/dashboard?done=" + (paused ? "paused" : "resumed"))
    }
}
