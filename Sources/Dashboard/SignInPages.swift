import Access
import API
import Foundation
import Hummingbird

/// Signing in and out. Guessing is slowed twice over: a fixed pause after
/// every failure, and after `maxFailures` failures for one email within
/// `failureWindow` that email is refused outright until the window has passed.
/// An attempt is counted before its password is checked, so at most
/// `maxFailures` passwords are checked per window, however many arrive at once.
struct SignInPages: Sendable {
    let site: DashboardSite
    static let maxFailures = 5
    static let failureWindow: TimeInterval = 15 * 60

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/signin") { request, _ in
            await site.handle(request) { visitor in
                if visitor.isSignedIn { return site.redirect(visitor, to: "/dashboard") }
                return site.page("signin", visitor)
            }
        }
        router.post("/signin") { request, _ in
            await site.handle(request) { visitor in try await signIn(request, visitor) }
        }
        router.post("/signout") { request, _ in
            await site.handle(request) { visitor in try await signOut(request, visitor) }
        }
    }

    private func signIn(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let form: FormData
        switch await site.readForm(request, visitor, protection: .anonymous) {
        case .success(let f): form = f
        case .failure(let refusal): return refusal
        }
        let email = FormValidation.normalizedEmail(form["email"] ?? "")
        let password = form["password"] ?? ""
        let store = site.store

        // The attempt is counted before the password is checked, so parallel
        // guesses cannot all pass a count that none of them has raised yet.
        let now = site.configuration.now()
        guard let attempt = try await store.beginSignIn(email: email, since: now.addingTimeInterval(-Self.failureWindow),
                                                        maxFailures: Self.maxFailures) else {
            site.logger.info("Dashboard refused a sign-in: too many failures for one email")
            return site.page("signin", visitor, status: .tooManyRequests, data: [
                "email": email,
                "error": "Too many failed sign-ins for this email. Please wait 15 minutes and try again.",
            ])
        }

        // An unknown email is checked against a throwaway hash, so it takes as
        // long as a wrong password and the timing does not tell which emails exist.
        let member = try await store.member(email: email)
        var hash: String? = nil
        if let member { hash = try await store.passwordHash(memberID: member.id) }
        let matches = await Passwords.verify(password, hash: hash ?? site.decoyPasswordHash)
        guard let member, hash != nil, matches else {
            // The attempt already counts as a failure.
            site.logger.info("Dashboard sign-in failed")
            try? await Task.sleep(for: site.configuration.failedSignInDelay)
            return site.page("signin", visitor, status: .unauthorized, data: [
                "email": email, "error": "That email and password do not match an account.",
            ])
        }
        guard member.status == .active else {
            site.logger.info("Dashboard refused a sign-in: member \(member.id) is suspended")
            return site.page("signin", visitor, status: .forbidden, data: [
                "email": email, "error": "This account is suspended. Ask an admin if you think that is a mistake.",
            ])
        }
        try await store.signInSucceeded(attemptID: attempt)
        return try await site.startSession(for: member, replacing: visitor, to: "/dashboard")
    }

    private func signOut(_ request: Request, _ visitor: Visitor) async throws -> Response {
        // Signed out already (or the session expired): nothing to protect, just go home.
        guard visitor.isSignedIn else { return site.redirect(visitor, to: "/") }
        switch await site.readForm(request, visitor, protection: .session) {
        case .success: break
        case .failure(let refusal): return refusal
        }
        if let token = visitor.sessionToken { try await site.store.deleteSession(token: token) }
        site.logger.info("Dashboard sign-out of member \(visitor.member?.id ?? "?")")
        return site.redirect(visitor, to: "/", cookies: [SiteCookies.clear(SiteCookies.session, secure: site.configuration.secureCookies)])
    }
}

extension DashboardSite {
    /// Signs `member` in with a session minted now — never one the browser
    /// brought, so a planted cookie cannot be promoted to a signed-in session
    /// (session fixation). A session the browser had is ended.
    func startSession(for member: Member, replacing visitor: Visitor, to path: String) async throws -> Response {
        if let old = visitor.sessionToken { try? await store.deleteSession(token: old) }
        let issued = try await store.createSession(memberID: member.id, lifetime: configuration.sessionLifetime)
        logger.info("Dashboard sign-in of member \(member.id)\(member.isAdmin ? " (admin)" : "")")
        return redirect(visitor, to: path, cookies: [SiteCookies.set(SiteCookies.session, issued.token, secure: configuration.secureCookies)])
    }
}
