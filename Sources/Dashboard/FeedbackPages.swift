import Access
import API
import Foundation
import Hummingbird

/// Feedback from any signed-in page: the nav bar's "Feedback" opens a form
/// that remembers the page it came from; admins read and close it at
/// `/admin/feedback`.
struct FeedbackPages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/feedback") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                return form(visitor, page: Self.page(from: request))
            }
        }
        router.post("/feedback") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                switch await site.readForm(request, visitor, protection: .session) {
                case .failure(let refusal): return refusal
                case .success(let fields): return try await submit(fields, member, visitor)
                }
            }
        }
        router.get("/admin/feedback") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireAdmin(visitor) { return r }
                return try await adminPage(visitor, showClosed: request.uri.queryParameters.get("show") == "all",
                                           flash: request.uri.queryParameters.get("done") == "closed" ? "Feedback closed." : nil)
            }
        }
        router.post("/admin/feedback/:id/close") { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireAdmin(visitor) { return r }
                guard let admin = visitor.member else { return site.redirect(visitor, to: "/signin") }
                switch await site.readForm(request, visitor, protection: .session) {
                case .failure(let refusal): return refusal
                case .success:
                    let id = context.parameters.get("id") ?? ""
                    try await site.store.closeFeedback(id: id, by: admin.id)
                    site.logger.info("Dashboard: admin \(admin.id) closed feedback \(id)")
                    return site.redirect(visitor, to: "/admin/feedback?done=closed")
                }
            }
        }
    }

    /// The path of the page the visitor came from (`?from=`, else the same-site
    /// `Referer`); only a path here, never another site's address.
    static func page(from request: Request) -> String {
        if let from = request.uri.queryParameters.get("from"), from.hasPrefix("/"), !from.hasPrefix("//") { return from }
        guard let referer = request.headers[.referer], let url = URLComponents(string: referer), !url.path.isEmpty,
              url.path != "/feedback" else { return "/dashboard" }
        return url.path + (url.query.map { "?" + $0 } ?? "")
    }

    private func form(_ visitor: Visitor, page: String, status: HTTPResponse.Status = .ok, extra: [String: Any] = [:]) -> Response {
        var data: [String: Any] = ["page": page, "categories": FeedbackCategory.allCases.map { ["value": $0.rawValue, "label": $0.rawValue.capitalized] }]
        data.merge(extra) { $1 }
        return site.page("feedback", visitor, status: status, data: data)
    }

    private func submit(_ fields: FormData, _ member: Member, _ visitor: Visitor) async throws -> Response {
        let page = fields.trimmed("page")
        let description = fields.trimmed("description")
        guard let category = FeedbackCategory(rawValue: fields.trimmed("category")) else {
            return form(visitor, page: page, status: .badRequest, extra: ["error": "Pick a category: bug, feature or question.", "description": description])
        }
        guard !description.isEmpty, description.count <= Feedback.maxDescriptionLength else {
            return form(visitor, page: page, status: .badRequest,
                        extra: ["error": "Describe it in 1 to \(Feedback.maxDescriptionLength) characters.", "description": description])
        }
        let saved = try await site.store.submitFeedback(memberID: member.id, category: category, description: description, page: page)
        site.logger.info("Dashboard: member \(member.id) sent \(category.rawValue) feedback \(saved.id)")
        return site.message(visitor, status: .ok, title: "Thank you",
                            text: "Your \(category.rawValue) report was sent to the admins.",
                            link: (href: saved.page, label: "Back to the page you were on"))
    }

    private func adminPage(_ visitor: Visitor, showClosed: Bool, flash: String?) async throws -> Response {
        let items = try await site.store.feedback(includeClosed: showClosed)
        var data: [String: Any] = [
            "showClosed": showClosed,
            "items": items.map { item -> [String: Any] in
                ["id": item.id, "category": item.category.rawValue, "email": item.memberEmail, "description": item.description,
                 "page": item.page, "created": DisplayFormat.time(item.createdAt), "open": item.closedAt == nil,
                 "closed": DisplayFormat.time(item.closedAt)]
            },
        ]
        if let flash { data["flash"] = flash }
        return site.page("adminFeedback", visitor, data: data)
    }
}
