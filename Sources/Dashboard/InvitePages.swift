import Access
import API
import Foundation
import Hummingbird

/// Turning a link into an account: `/invite/<token>` for invited members, and
/// `/setup/<token>` for the first admin.
struct InvitePages: Sendable {
    let site: DashboardSite

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/invite/:token") { request, context in
            await site.handle(request) { visitor in
                let token = context.parameters.get("token") ?? ""
                if let refusal = try await unusable(token, visitor) { return refusal }
                let invite = try await site.store.invite(token: token)
                return site.page("invite", visitor, data: ["token": token, "email": invite?.email ?? ""])
            }
        }
        router.post("/invite/:token") { request, context in
            await site.handle(request) { visitor in
                try await claimInvite(request, context.parameters.get("token") ?? "", visitor)
            }
        }
        router.get("/setup/:token") { request, context in
            await site.handle(request) { visitor in
                if try await site.store.hasAdmin() { return setupDone(visitor) }
                return site.page("setup", visitor, data: ["token": context.parameters.get("token") ?? ""])
            }
        }
        router.post("/setup/:token") { request, context in
            await site.handle(request) { visitor in
                try await claimSetup(request, context.parameters.get("token") ?? "", visitor)
            }
        }
    }

    // MARK: Invites

    /// The page for an invite that cannot be used: 404 for a token that never
    /// existed, 410 for one that did; nil while it is open.
    private func unusable(_ token: String, _ visitor: Visitor) async throws -> Response? {
        guard token.count <= 256, let invite = try await site.store.invite(token: token) else {
            return site.message(visitor, status: .notFound, title: "Invite not found",
                                text: "This invite link is not valid. Check that the whole link was copied, or ask an admin for a new one.")
        }
        let state = invite.state(at: site.configuration.now())
        return state == .open ? nil : gone(state, visitor)
    }

    private func gone(_ state: InviteState, _ visitor: Visitor) -> Response {
        let text: String
        switch state {
        case .used: text = "This invite has already been used. If the account is yours, sign in."
        case .expired: text = "This invite has expired. Ask an admin for a new one."
        case .revoked: text = "This invite was revoked. Ask an admin if you think that is a mistake."
        case .open: text = "This invite can be used."
        }
        return site.message(visitor, status: .gone, title: "Invite unavailable", text: text,
                            link: state == .used ? (href: "/signin", label: "Sign in") : nil)
    }

    private func claimInvite(_ request: Request, _ token: String, _ visitor: Visitor) async throws -> Response {
        let form: FormData
        switch await site.readForm(request, visitor, protection: .anonymous) {
        case .success(let f): form = f
        case .failure(let refusal): return refusal
        }
        if let refusal = try await unusable(token, visitor) { return refusal }
        let email = try await site.store.invite(token: token)?.email ?? ""

        let name = form.trimmed("name")
        var errors: [String: String] = [:]
        errors["name"] = FormValidation.name(name)
        errors["password"] = FormValidation.password(form["password"] ?? "", confirmation: form["confirm"] ?? "")
        guard errors.isEmpty else {
            return site.page("invite", visitor, status: .badRequest, data: [
                "token": token, "email": email, "name": name, "errors": errors,
                "formError": "Please correct the fields marked below.",
            ])
        }

        let hash = await Passwords.hash(form["password"] ?? "", cost: site.configuration.bcryptCost)
        let member: Member
        do {
            member = try await site.store.claimInvite(token: token, name: name, passwordHash: hash)
        } catch AccessError.inviteUnusable(let state) {
            // Someone used it between our check and the claim; the claim is the authority.
            return gone(state, visitor)
        } catch AccessError.notFound {
            return site.message(visitor, status: .notFound, title: "Invite not found", text: "This invite link is not valid.")
        } catch AccessError.conflict {
            return site.message(visitor, status: .conflict, title: "Account exists",
                                text: "There is already an account for \(email). Sign in instead.",
                                link: (href: "/signin", label: "Sign in"))
        }
        site.logger.info("Dashboard created member \(member.id) from an invite")
        return try await site.startSession(for: member, replacing: visitor, to: "/dashboard")
    }

    // MARK: First admin

    private func setupDone(_ visitor: Visitor) -> Response {
        site.message(visitor, status: .gone, title: "Setup is done",
                     text: "This service already has an admin, so the setup link no longer works. Sign in instead.",
                     link: (href: "/signin", label: "Sign in"))
    }

    private func claimSetup(_ request: Request, _ token: String, _ visitor: Visitor) async throws -> Response {
        let form: FormData
        switch await site.readForm(request, visitor, protection: .anonymous) {
        case .success(let f): form = f
        case .failure(let refusal): return refusal
        }
        if try await site.store.hasAdmin() { return setupDone(visitor) }

        let email = FormValidation.normalizedEmail(form["email"] ?? "")
        let name = form.trimmed("name")
        var errors: [String: String] = [:]
        errors["email"] = FormValidation.email(email)
        errors["name"] = FormValidation.name(name)
        errors["password"] = FormValidation.password(form["password"] ?? "", confirmation: form["confirm"] ?? "")
        guard errors.isEmpty else {
            return site.page("setup", visitor, status: .badRequest, data: [
                "token": token, "email": form.trimmed("email"), "name": name, "errors": errors,
                "formError": "Please correct the fields marked below.",
            ])
        }

        let hash = await Passwords.hash(form["password"] ?? "", cost: site.configuration.bcryptCost)
        let admin: Member
        do {
            admin = try await site.store.claimSetupToken(token, email: email, name: name, passwordHash: hash)
        } catch AccessError.inviteUnusable(let state) {
            return site.message(visitor, status: .gone, title: "Setup link unavailable",
                                text: state == .expired ? "This setup link has expired. Restart the server for a new one."
                                    : "This setup link has been used or is not valid.")
        } catch AccessError.notFound {
            return site.message(visitor, status: .notFound, title: "Setup link not found", text: "This setup link is not valid.")
        } catch AccessError.conflict {
            return setupDone(visitor)
        }
        site.logger.info("Dashboard created the first admin \(admin.id) from the setup link")
        return try await site.startSession(for: admin, replacing: visitor, to: "/admin/requests")
    }
}
