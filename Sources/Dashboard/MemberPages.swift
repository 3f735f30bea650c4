import Access
import API
import Foundation
import Hummingbird

/// A member's own page: keys, limits and usage; creating and revoking keys.
struct MemberPages: Sendable {
    let site: DashboardSite
    static let maxKeyNameLength = 100
    static let maxKeyDays = 3650

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/dashboard") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                let flash = request.uri.queryParameters.get("done") == "revoked" ? "Key revoked: it stops working on its next request." : nil
                return try await dashboard(visitor, extra: flash.map { ["flash": $0] } ?? [:])
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

    private func dashboard(_ visitor: Visitor, status: HTTPResponse.Status = .ok, extra: [String: Any] = [:]) async throws -> Response {
        guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
        let now = site.configuration.now()
        let keys = try await site.store.keys(memberID: member.id)
        let usage = try await site.store.dailyUsage(memberID: member.id, days: 30, now: now)
        var data: [String: Any] = [
            "keys": keys.map { Self.row($0, now: now) },
            "hasKeys": !keys.isEmpty,
            "limits": DisplayFormat.limits(member.limits),
            "chart": UsageChart(days: usage).viewData,
        ]
        data.merge(extra) { $1 }
        return site.page("dashboard", visitor, status: status, data: data)
    }

    static func row(_ key: APIKey, now: Date) -> [String: Any] {
        let status = key.revokedAt != nil ? "revoked" : (key.isUsable(at: now) ? "active" : "expired")
        return [
            "id": key.id, "name": key.name, "prefix": key.displayPrefix,
            "created": DisplayFormat.time(key.createdAt), "lastUsed": key.lastUsedAt.map(DisplayFormat.time) ?? "never",
            "requests": DisplayFormat.count(key.requests), "tokens": DisplayFormat.count(key.tokens),
            "expires": key.expiresAt.map(DisplayFormat.time) ?? "never", "status": status,
            "usable": key.revokedAt == nil,
        ]
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
        var error: String? = nil
        var expiresAt: Date? = nil
        if name.isEmpty || name.count > Self.maxKeyNameLength {
            error = "Please name the key (up to \(Self.maxKeyNameLength) characters), so you can tell it apart later."
        } else if !daysText.isEmpty {
            if let days = Int(daysText), (1...Self.maxKeyDays).contains(days) {
                expiresAt = site.configuration.now().addingTimeInterval(TimeInterval(days) * 86_400)
            } else {
                error = "The expiry must be a whole number of days from 1 to \(Self.maxKeyDays), or blank for none."
            }
        }
        if let error {
            return try await dashboard(visitor, status: .badRequest, extra: ["keyError": error, "keyName": name, "keyDays": daysText])
        }
        // `createKey` returns only once the key is stored: what the page shows works.
        let issued = try await site.store.createKey(memberID: member.id, name: name, expiresAt: expiresAt, limits: .none, by: member.id)
        site.logger.info("Dashboard: member \(member.id) created key \(issued.key.id)")
        return site.page("keyCreated", visitor, data: [
            "name": issued.key.name, "prefix": issued.key.displayPrefix, "secret": issued.secret,
        ])
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
