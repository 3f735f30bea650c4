import Access
import API
import Foundation
import Hummingbird

/// A member's own page: keys, budgets, limits and usage; creating and
/// revoking keys (pausing, renaming and budgets are on each key's page, `KeyPages`).
struct MemberPages: Sendable {
    let site: DashboardSite
    static let maxKeyNameLength = 100
    static let maxKeyDays = 3650

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/dashboard") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                return try await dashboard(visitor, extra: Self.flash(request))
            }
        }
        router.post("/dashboard/keys") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                return try await createKey(request, visitor)
            }
        }
        router.post("/dashboard/keys/:id/revoke") { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                return try await revokeKey(request, context.parameters.get("id") ?? "", visitor)
            }
        }
    }

    /// The confirmation after a redirect, from a fixed list: nothing from the
    /// query string itself reaches the page.
    static func flash(_ request: Request) -> [String: Any] {
        let messages = [
            "revoked": "Key revoked: it stops working on its next request.",
            "paused": "Key paused: its next request gets 401 key_paused until you resume it.",
            "resumed": "Key resumed: it works again.",
        ]
        return request.uri.queryParameters.get("done").flatMap { messages[$0] }.map { ["flash": $0] } ?? [:]
    }

    private func dashboard(_ visitor: Visitor, status: HTTPResponse.Status = .ok, extra: [String: Any] = [:]) async throws -> Response {
        guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
        let now = site.configuration.now()
        let keys = try await site.store.keys(memberID: member.id)
        let usage = try await site.store.dailyUsage(memberID: member.id, days: 30, now: now)
        let budgets = try await site.store.budgetUsage(memberID: member.id, at: now)
        var data: [String: Any] = [
            "keys": keys.map { Self.row($0, now: now, budgets: budgets) },
            "hasKeys": !keys.isEmpty,
            "budget": Self.accountBudget(budgets),
            "limits": DisplayFormat.limits(member.limits),
            "chart": UsageChart(days: usage).viewData,
        ]
        data.merge(extra) { $1 }
        return site.page("dashboard", visitor, status: status, data: data)
    }

    static func row(_ key: APIKey, now: Date, budgets: BudgetUsage) -> [String: Any] {
        let status = key.state(at: now)
        let used = budgets.keys[key.id] ?? KeyBudgetUse(month: 0, day: 0)
        return [
            "id": key.id, "name": key.name, "prefix": key.displayPrefix,
            "created": DisplayFormat.time(key.createdAt), "lastUsed": key.lastUsedAt.map(DisplayFormat.time) ?? "never",
            "requests": DisplayFormat.count(key.requests), "tokens": DisplayFormat.count(key.tokens),
            "expires": key.expiresAt.map(DisplayFormat.time) ?? "never", "status": status,
            "usable": key.revokedAt == nil, "paused": key.pausedAt != nil && key.revokedAt == nil,
            "month": DisplayFormat.used(used.month, of: key.budgets.monthly),
            "day": DisplayFormat.used(used.day, of: key.budgets.daily),
            "monthlyBudget": key.budgets.monthly.map(String.init) ?? "",
            "dailyBudget": key.budgets.daily.map(String.init) ?? "",
        ]
    }

    /// The account's monthly budget and its use, for the budget card.
    static func accountBudget(_ budgets: BudgetUsage) -> [String: Any] {
        var data: [String: Any] = [
            "used": DisplayFormat.count(budgets.accountUsedThisMonth),
            "resets": DisplayFormat.time(budgets.monthResetsAt),
            "hasBudget": budgets.accountMonthlyBudget != nil,
            "isDefault": budgets.accountBudgetIsDefault,
        ]
        if let size = budgets.accountMonthlyBudget {
            data["size"] = DisplayFormat.count(size)
            data["sizeValue"] = String(size)
            data["usedValue"] = String(min(size, budgets.accountUsedThisMonth))
            data["high"] = String(size * 9 / 10)
            data["left"] = DisplayFormat.count(max(0, size - budgets.accountUsedThisMonth))
        }
        return data
    }

    private func createKey(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let form: FormData
        switch await site.readForm(request, visitor, protection: .session) {
        case .success(let f): form = f
        case .failure(let refusal): return refusal
        }
        guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
        let name = form.trimmed("name")
        let daysText = form.trimmed("expires_days")
        let monthlyText = form.trimmed("monthly_budget")
        let dailyText = form.trimmed("daily_budget")
        var error: String? = Self.keyNameError(name)
        var expiresAt: Date? = nil
        let budgets = Self.budgets(monthly: monthlyText, daily: dailyText)
        if error == nil, !daysText.isEmpty {
            if let days = Int(daysText), (1...Self.maxKeyDays).contains(days) {
                expiresAt = site.configuration.now().addingTimeInterval(TimeInterval(days) * 86_400)
            } else {
                error = "The expiry must be a whole number of days from 1 to \(Self.maxKeyDays), or blank for none."
            }
        }
        if error == nil, case .failure(let refusal) = budgets { error = refusal.reason }
        var created: IssuedKey?
        if error == nil, case .success(let budgets) = budgets {
            // `createKey` returns only once the key is stored: what the page shows works.
            do {
                created = try await site.store.createKey(memberID: member.id, name: name, expiresAt: expiresAt, limits: .none,
                                                        budgets: budgets, by: member.id)
            } catch AccessError.invalid(let reason) {
                error = reason  // a budget above the account's
            }
        }
        guard let issued = created else {
            return try await dashboard(visitor, status: .badRequest, extra: [
                "keyError": error ?? "The key could not be created.", "keyName": name, "keyDays": daysText,
                "keyMonthly": monthlyText, "keyDaily": dailyText,
            ])
        }
        site.logger.info("Dashboard: member \(member.id) created key \(issued.key.id)")
        return site.page("keyCreated", visitor, data: [
            "name": issued.key.name, "prefix": issued.key.displayPrefix, "secret": issued.secret,
        ])
    }

    static func keyNameError(_ name: String) -> String? {
        name.isEmpty || name.count > maxKeyNameLength
            ? "Please name the key (up to \(maxKeyNameLength) characters), so you can tell it apart later." : nil
    }

    /// The budget fields of a key form; blank: none.
    static func budgets(monthly: String, daily: String) -> Result<KeyBudgets, BudgetFormError> {
        guard let monthlyBudget = FormValidation.budget(monthly) else {
            return .failure(BudgetFormError("The monthly budget must be a whole number of tokens above 0, or blank for none."))
        }
        guard let dailyBudget = FormValidation.budget(daily) else {
            return .failure(BudgetFormError("The daily budget must be a whole number of tokens above 0, or blank for none."))
        }
        return .success(KeyBudgets(monthly: monthlyBudget, daily: dailyBudget))
    }

    private func revokeKey(_ request: Request, _ id: String, _ visitor: Visitor) async throws -> Response {
        switch await site.readForm(request, visitor, protection: .session) {
        case .success: break
        case .failure(let refusal): return refusal
        }
        guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
        do {
            // With `memberID` the store revokes only this member's own key.
            try await site.store.revokeKey(id: id, memberID: member.id, by: member.id)
        } catch AccessError.notFound {
            return site.message(visitor, status: .notFound, title: "No such key", text: "You have no key with that id.",
                                link: (href: "/dashboard", label: "Back to the dashboard"))
        }
        site.logger.info("Dashboard: member \(member.id) revoked key \(id)")
        return site.redirect(visitor, to: "/dashboard?done=revoked")
    }
}

/// Why a budget field was not accepted, as the form shows it.
struct BudgetFormError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
