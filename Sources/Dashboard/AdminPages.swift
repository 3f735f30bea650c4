import Access
import API
import Foundation
import Hummingbird

/// The admin's pages: reviewing requests, members and their limits, invites,
/// and the audit log. The store writes the audit entry of every change in the
/// same transaction as the change; these handlers add the log line.
struct AdminPages: Sendable {
    let site: DashboardSite
    static let auditLimit = 200

    func addRoutes(to router: Router<APIRequestContext>) {
        get(router, "/admin/requests") { request, _, visitor in try await requestsPage(request, visitor) }
        post(router, "/admin/requests/:id/approve") { _, id, form, admin, visitor in try await approve(id, form, admin, visitor) }
        post(router, "/admin/requests/:id/deny") { _, id, form, admin, visitor in try await deny(id, form, admin, visitor) }
        get(router, "/admin/members") { request, _, visitor in try await membersPage(request, visitor) }
        post(router, "/admin/members/:id/limits") { request, id, form, admin, visitor in
            try await setLimits(request, id, form, admin, visitor)
        }
        post(router, "/admin/members/:id/budget") { request, id, form, admin, visitor in
            try await setBudget(request, id, form, admin, visitor)
        }
        post(router, "/admin/members/:id/suspend") { _, id, _, admin, visitor in try await setStatus(id, .suspended, admin, visitor) }
        post(router, "/admin/members/:id/reactivate") { _, id, _, admin, visitor in try await setStatus(id, .active, admin, visitor) }
        get(router, "/admin/invites") { request, _, visitor in try await invitesPage(request, visitor) }
        post(router, "/admin/invites") { _, _, form, admin, visitor in try await inviteDirectly(form, admin, visitor) }
        post(router, "/admin/invites/:id/revoke") { _, id, _, admin, visitor in try await revokeInvite(id, admin, visitor) }
        get(router, "/admin/audit") { _, _, visitor in try await auditPage(visitor) }
    }

    // MARK: Routing: every admin page checks the visitor first, every POST its form too

    private func get(_ router: Router<APIRequestContext>, _ path: RouterPath,
                     _ body: @escaping @Sendable (Request, String, Visitor) async throws -> Response) {
        router.get(path) { request, context in
            await site.handle(request) { visitor in
                if let refusal = site.requireAdmin(visitor) { return refusal }
                return try await body(request, context.parameters.get("id") ?? "", visitor)
            }
        }
    }

    private func post(_ router: Router<APIRequestContext>, _ path: RouterPath,
                      _ body: @escaping @Sendable (Request, String, FormData, Member, Visitor) async throws -> Response) {
        router.post(path) { request, context in
            await site.handle(request) { visitor in
                if let refusal = site.requireAdmin(visitor) { return refusal }
                guard let admin = visitor.member else { return site.redirect(visitor, to: "/signin") }
                switch await site.readForm(request, visitor, protection: .session) {
                case .success(let form): return try await body(request, context.parameters.get("id") ?? "", form, admin, visitor)
                case .failure(let refusal): return refusal
                }
            }
        }
    }

    /// The confirmation after a redirect, from a fixed list: nothing from the
    /// query string itself reaches the page.
    private static func flash(_ request: Request) -> [String: Any] {
        let messages = [
            "denied": "Request denied.",
            "limits": "Limits saved.",
            "budget": "Monthly budget saved.",
            "suspended": "Member suspended: their keys stop working on the next request.",
            "reactivated": "Member reactivated.",
            "revoked": "Invite revoked.",
        ]
        return request.uri.queryParameters.get("done").flatMap { messages[$0] }.map { ["flash": $0] } ?? [:]
    }

    private func notFound(_ visitor: Visitor, _ what: String, back: String) -> Response {
        site.message(visitor, status: .notFound, title: "Not found", text: "There is no \(what) with that id.",
                     link: (href: back, label: "Back"))
    }

    // MARK: Requests

    private func requestsPage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let pending = try await site.store.requests(status: .pending)
        let rows: [[String: Any]] = pending.map { r in
            ["id": r.id, "name": r.name, "email": r.email, "affiliation": r.affiliation ?? "—", "note": r.note,
             "created": DisplayFormat.time(r.createdAt)]
        }
        return site.page("adminRequests", visitor, data: ["requests": rows].merging(Self.flash(request)) { $1 })
    }

    private func reviewNote(_ form: FormData) -> String? {
        let note = String(form.trimmed("note").prefix(FormValidation.maxNoteLength))
        return note.isEmpty ? nil : note
    }

    private func approve(_ id: String, _ form: FormData, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        let lifetime = site.configuration.inviteLifetime
        let approved: AccessRequest, issued: IssuedInvite
        do {
            (approved, issued) = try await site.store.approveRequest(id: id, note: reviewNote(form), inviteLifetime: lifetime, by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "access request", back: "/admin/requests")
        } catch AccessError.conflict {
            return site.message(visitor, status: .conflict, title: "Already reviewed",
                                text: "That request was already approved or denied.", link: (href: "/admin/requests", label: "Back to requests"))
        }
        site.logger.info("Dashboard: admin \(admin.id) approved access request \(approved.id), invite \(issued.invite.id)")
        return await inviteIssuedPage(issued, visitor, back: "/admin/requests")
    }

    private func deny(_ id: String, _ form: FormData, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        do {
            _ = try await site.store.denyRequest(id: id, note: reviewNote(form), by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "access request", back: "/admin/requests")
        } catch AccessError.conflict {
            return site.message(visitor, status: .conflict, title: "Already reviewed",
                                text: "That request was already approved or denied.", link: (href: "/admin/requests", label: "Back to requests"))
        }
        site.logger.info("Dashboard: admin \(admin.id) denied access request \(id)")
        return site.redirect(visitor, to: "/admin/requests?done=denied")
    }

    /// The new invite's link, once: only its hash is stored. Emailed too where a
    /// mailer is configured; if sending fails the admin still has the link.
    private func inviteIssuedPage(_ issued: IssuedInvite, _ visitor: Visitor, back: String) async -> Response {
        let link = site.absoluteURL(issued.path)
        var data: [String: Any] = [
            "email": issued.invite.email, "link": link, "back": back,
            "expires": "on " + DisplayFormat.time(issued.invite.expiresAt),
        ]
        if let mailer = site.mailer {
            let days = max(1, Int((issued.invite.expiresAt.timeIntervalSince(issued.invite.createdAt) / 86_400).rounded()))
            do {
                try await mailer.sendInvite(to: issued.invite.email, link: link, expiresInDays: days)
                data["mailSent"] = true
                site.logger.info("Dashboard emailed invite \(issued.invite.id)")
            } catch {
                site.logger.error("Dashboard could not email invite \(issued.invite.id): \(error)")
                data["mailFailed"] = String(String(describing: error).prefix(200))
            }
        } else {
            data["noMailer"] = true
        }
        return site.page("inviteIssued", visitor, data: data)
    }

    // MARK: Members

    private func membersPage(_ request: Request, _ visitor: Visitor, status: HTTPResponse.Status = .ok,
                             error: String? = nil) async throws -> Response {
        let now = site.configuration.now()
        let members = try await site.store.members()
        let keys = try await site.store.allKeys()
        let concurrency = try await site.store.concurrencyOverrides()
        var rows: [[String: Any]] = []
        for m in members {
            let keyConcurrency = keys.filter { $0.memberID == m.id }.compactMap { key in
                concurrency.keys[key.id].map { "\(key.name) (\(key.id)): \($0)" }
            }
            let usage = try await site.store.dailyUsage(memberID: m.id, days: 30, now: now)
            let budget = try await site.store.budgetUsage(memberID: m.id, at: now)
            rows.append([
                "id": m.id, "name": m.name, "email": m.email, "isAdmin": m.isAdmin, "status": m.status.rawValue,
                "active": m.status == .active, "created": DisplayFormat.time(m.createdAt),
                "requests30": DisplayFormat.count(usage.reduce(0) { $0 + $1.requests }),
                "tokens30": DisplayFormat.count(usage.reduce(0) { $0 + $1.promptTokens + $1.completionTokens }),
                "activeKeys": String(keys.filter { $0.memberID == m.id && $0.isUsable(at: now) }.count),
                "rpm": m.limits.requestsPerMinute.map(String.init) ?? "",
                "tpm": m.limits.tokensPerMinute.map(String.init) ?? "",
                "tpd": m.limits.tokensPerDay.map(String.init) ?? "",
                "models": m.limits.allowedModels?.joined(separator: ", ") ?? "",
                "monthlyBudget": m.monthlyTokenBudget.map(String.init) ?? "",
                "usedThisMonth": DisplayFormat.count(budget.accountUsedThisMonth),
                "concurrency": concurrency.members[m.id].map { "\($0) per key" } ?? "server default",
                "keyConcurrency": keyConcurrency.joined(separator: "; "), "hasKeyConcurrency": !keyConcurrency.isEmpty,
            ])
        }
        var data: [String: Any] = ["members": rows].merging(Self.flash(request)) { $1 }
        if let fallback = site.store.defaultMonthlyTokenBudget { data["defaultBudget"] = DisplayFormat.count(fallback) + " tokens" }
        if let error { data["error"] = error }
        return site.page("adminMembers", visitor, status: status, data: data)
    }

    private func setLimits(_ request: Request, _ id: String, _ form: FormData, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        var numbers: [Int?] = []
        for (field, label) in [("requests_per_minute", "Requests per minute"), ("tokens_per_minute", "Tokens per minute"),
                               ("tokens_per_day", "Tokens per day")] {
            guard let number = FormValidation.limit(form[field] ?? "") else {
                return try await membersPage(request, visitor, status: .badRequest,
                                             error: "\(label) must be a whole number, or blank for no limit.")
            }
            numbers.append(number)
        }
        var limits = Limits(requestsPerMinute: numbers[0], tokensPerMinute: numbers[1], tokensPerDay: numbers[2])
        limits.allowedModels = FormValidation.models(form["allowed_models"] ?? "")
        do {
            try await site.store.setLimits(memberID: id, limits: limits, by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "member", back: "/admin/members")
        }
        site.logger.info("Dashboard: admin \(admin.id) set the limits of member \(id)")
        return site.redirect(visitor, to: "/admin/members?done=limits")
    }

    private func setBudget(_ request: Request, _ id: String, _ form: FormData, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        guard let tokens = FormValidation.budget(form["monthly_budget"] ?? "") else {
            return try await membersPage(request, visitor, status: .badRequest,
                                         error: "The monthly budget must be a whole number of tokens above 0, or blank for the server's default.")
        }
        do {
            try await site.store.setMonthlyBudget(memberID: id, tokens: tokens, by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "member", back: "/admin/members")
        }
        site.logger.info("Dashboard: admin \(admin.id) set the monthly budget of member \(id)")
        return site.redirect(visitor, to: "/admin/members?done=budget")
    }

    private func setStatus(_ id: String, _ status: MemberStatus, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        if id == admin.id, status == .suspended {
            return site.message(visitor, status: .badRequest, title: "Not yourself",
                                text: "An admin cannot suspend their own account.", link: (href: "/admin/members", label: "Back to members"))
        }
        do {
            try await site.store.setStatus(memberID: id, status: status, by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "member", back: "/admin/members")
        }
        site.logger.info("Dashboard: admin \(admin.id) set member \(id) \(status.rawValue)")
        return site.redirect(visitor, to: "/admin/members?done=" + (status == .suspended ? "suspended" : "reactivated"))
    }

    // MARK: Invites

    private func invitesPage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        site.page("adminInvites", visitor, data: try await invitesData(extra: Self.flash(request)))
    }

    private func inviteDirectly(_ form: FormData, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        let email = FormValidation.normalizedEmail(form["email"] ?? "")
        if let error = FormValidation.email(email) {
            return site.page("adminInvites", visitor, status: .badRequest, data: try await invitesData(extra: [
                "error": error, "email": form.trimmed("email"),
            ]))
        }
        let issued = try await site.store.createInvite(email: email, lifetime: site.configuration.inviteLifetime, by: admin.id)
        site.logger.info("Dashboard: admin \(admin.id) created invite \(issued.invite.id)")
        return await inviteIssuedPage(issued, visitor, back: "/admin/invites")
    }

    private func invitesData(extra: [String: Any]) async throws -> [String: Any] {
        let now = site.configuration.now()
        let rows: [[String: Any]] = try await site.store.invites().map { i in
            let state = i.state(at: now)
            return ["id": i.id, "email": i.email, "state": state.rawValue, "open": state == .open,
                    "created": DisplayFormat.time(i.createdAt), "expires": DisplayFormat.time(i.expiresAt),
                    "used": i.usedAt.map(DisplayFormat.time) ?? "—"]
        }
        return ["invites": rows, "hasInvites": !rows.isEmpty].merging(extra) { $1 }
    }

    private func revokeInvite(_ id: String, _ admin: Member, _ visitor: Visitor) async throws -> Response {
        do {
            try await site.store.revokeInvite(id: id, by: admin.id)
        } catch AccessError.notFound {
            return notFound(visitor, "invite", back: "/admin/invites")
        } catch AccessError.conflict {
            return site.message(visitor, status: .conflict, title: "Not open",
                                text: "That invite was already used, revoked or expired.", link: (href: "/admin/invites", label: "Back to invites"))
        }
        site.logger.info("Dashboard: admin \(admin.id) revoked invite \(id)")
        return site.redirect(visitor, to: "/admin/invites?done=revoked")
    }

    // MARK: Audit

    private func auditPage(_ visitor: Visitor) async throws -> Response {
        let entries = try await site.store.auditLog(limit: Self.auditLimit)
        let rows: [[String: Any]] = entries.map { e in
            ["time": DisplayFormat.time(e.time), "actor": e.actorEmail ?? e.actorID ?? "command line",
             "action": e.action, "target": e.target, "detail": e.detail ?? ""]
        }
        return site.page("adminAudit", visitor, data: ["entries": rows, "hasEntries": !rows.isEmpty, "limit": Self.auditLimit])
    }
}
