import Access
import API
import Foundation
import Hummingbird

/// The public page and the access-request form behind it.
struct PublicPages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/") { request, _ in
            await site.handle(request) { visitor in
                site.page("home", visitor, data: [:])
            }
        }
        router.post("/request-access") { request, context in
            await site.handle(request) { visitor in
                try await submit(request, context, visitor)
            }
        }
    }

    private func submit(_ request: Request, _ context: APIRequestContext, _ visitor: Visitor) async throws -> Response {
        let form: FormData
        switch await site.readForm(request, visitor, protection: .anonymous) {
        case .success(let f): form = f
        case .failure(let refusal): return refusal
        }

        let name = form.trimmed("name")
        let email = FormValidation.normalizedEmail(form["email"] ?? "")
        let affiliation = form.trimmed("affiliation")
        let note = form.trimmed("note")
        var errors: [String: String] = [:]
        errors["name"] = FormValidation.name(name)
        errors["email"] = FormValidation.email(email)
        errors["affiliation"] = FormValidation.affiliation(affiliation)
        errors["note"] = FormValidation.note(note)
        let entered: [String: String] = ["name": name, "email": form.trimmed("email"), "affiliation": affiliation, "note": note]
        guard errors.isEmpty else {
            return site.page("home", visitor, status: .badRequest,
                             data: ["form": entered, "errors": errors, "formError": "Please correct the fields marked below."])
        }

        // Counted after validation, so a typo does not use up a try; counted per
        // address, since the form is open to anyone.
        let address = context.remoteAddress ?? "unknown"
        let admission = site.requestLimiter.admit(address, now: site.configuration.now())
        guard admission.allowed else {
            site.logger.info("Dashboard rate-limited access requests from one address")
            var headers = HTTPFields()
            headers[.retryAfter] = String(admission.retryAfterSeconds)
            return site.message(visitor, status: .tooManyRequests, title: "Too many requests",
                                text: "This address has sent many access requests in the last hour. Please try again later.",
                                headers: headers)
        }

        let stored = try await site.store.submitRequest(name: name, email: email,
                                                        affiliation: affiliation.isEmpty ? nil : affiliation, note: note)
        site.logger.info("Dashboard received access request \(stored.id)")
        return site.page("requestReceived", visitor, data: ["name": stored.name, "email": stored.email])
    }
}
