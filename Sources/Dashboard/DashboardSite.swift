import Access
import API
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// What every page handler shares: the store, the mailer, the configuration,
/// the renderer and the request-form brake; and the plumbing every page needs —
/// finding the visitor, checking a POST, and building responses.
struct DashboardSite: Sendable {
    let store: any AccessStore
    let mailer: (any InviteMailer)?
    let configuration: DashboardConfiguration
    let logger: Logger
    let renderer = PageRenderer()
    let requestLimiter: RequestFormLimiter
    /// A hash of a random password, checked when a sign-in names no member.
    let decoyPasswordHash: String

    /// Form bodies larger than this get a 413 page; the longest form (a request
    /// with a 2000-character note) is far below it.
    static let maxFormBytes = 64 * 1024

    init(store: any AccessStore, mailer: (any InviteMailer)?, configuration: DashboardConfiguration, logger: Logger) {
        self.store = store
        self.mailer = mailer
        self.configuration = configuration
        self.logger = logger
        self.requestLimiter = RequestFormLimiter(limitPerHour: configuration.requestFormLimitPerHour)
        self.decoyPasswordHash = PasswordHasher.hash(SecretToken.make(), cost: UInt8(clamping: configuration.bcryptCost))
    }

    // MARK: Handling

    /// Runs a page handler for the visitor behind `request`. A failure of the
    /// store becomes an HTML error page here: the API's middleware would turn a
    /// thrown error into JSON, which is no answer for a browser.
    func handle(_ request: Request, _ body: (Visitor) async throws -> Response) async -> Response {
        let visitor: Visitor
        do {
            visitor = try await self.visitor(for: request)
        } catch {
            logger.error("Dashboard could not read the session: \(error)")
            return message(anonymousVisitor(for: request), status: .serviceUnavailable, title: "Unavailable",
                           text: "The service cannot reach its database right now. Please try again in a moment.")
        }
        do {
            return try await body(visitor)
        } catch AccessError.invalid(let reason) {
            // The store's own validation, where it is stricter than the form's.
            return message(visitor, status: .badRequest, title: "Not accepted", text: reason)
        } catch AccessError.notFound(let reason) {
            return message(visitor, status: .notFound, title: "Not found", text: reason)
        } catch {
            logger.error("Dashboard page \(request.method) \(request.uri.path) failed: \(error)")
            return message(visitor, status: .internalServerError, title: "Something went wrong",
                           text: "The page could not be completed. Please try again; if it keeps happening, tell an admin.")
        }
    }

    private func anonymousVisitor(for request: Request) -> Visitor {
        let cookie = SiteCookies.value(SiteCookies.csrf, in: request).flatMap { SecretToken.isWellFormed($0) ? $0 : nil }
        return Visitor(member: nil, session: nil, sessionToken: nil, anonymousCSRF: cookie ?? SecretToken.make(),
                       issuesCSRFCookie: cookie == nil)
    }

    private func visitor(for request: Request) async throws -> Visitor {
        var visitor = anonymousVisitor(for: request)
        if let token = SiteCookies.value(SiteCookies.session, in: request), let (session, member) = try await store.session(token: token),
           member.status == .active {
            visitor.member = member
            visitor.session = session
            visitor.sessionToken = token
        }
        return visitor
    }

    // MARK: Guards

    /// nil when the visitor is signed in; else the way to the sign-in page.
    func requireMember(_ visitor: Visitor) -> Response? {
        visitor.isSignedIn ? nil : redirect(visitor, to: "/signin")
    }

    /// nil for an admin; a 403 page for other members; sign-in for strangers.
    func requireAdmin(_ visitor: Visitor) -> Response? {
        if let r = requireMember(visitor) { return r }
        return visitor.isAdmin ? nil : message(visitor, status: .forbidden, title: "Admins only",
                                               text: "This page is for the service's admins.")
    }

    /// A POST's form, or the page that refuses it.
    enum FormOutcome {
        case success(FormData)
        case failure(Response)
    }

    /// Which CSRF token a form must carry.
    enum FormProtection {
        /// The signed-in session's synchronizer token.
        case session
        /// The `baseserve_csrf` cookie's value, repeated in the form (double submit).
        case anonymous
    }

    /// The body of a POST as a form, once it passed the checks every POST must
    /// pass: same origin, a size limit, a well-formed body, and the CSRF token.
    /// A refusal comes back as the page to answer with.
    func readForm(_ request: Request, _ visitor: Visitor, protection: FormProtection) async -> FormOutcome {
        if configuration.isCrossSite(request) {
            logger.info("Dashboard refused a cross-site POST to \(request.uri.path)")
            return .failure(forbidden(visitor))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxFormBytes)
        } catch {
            return .failure(message(visitor, status: .contentTooLarge, title: "Too much",
                                    text: "That form was larger than this service accepts."))
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard buffer.readableBytes == 0 || contentType.hasPrefix("application/x-www-form-urlencoded") else {
            return .failure(message(visitor, status: .badRequest, title: "Bad form", text: "The form arrived in a format this page does not read."))
        }
        let form: FormData
        do {
            form = try FormData(parsing: Array(buffer.readableBytesView))
        } catch {
            return .failure(message(visitor, status: .badRequest, title: "Bad form", text: "The form could not be read."))
        }
        let expected: String?
        switch protection {
        case .session: expected = visitor.session?.csrfToken
        case .anonymous: expected = visitor.issuesCSRFCookie ? nil : visitor.anonymousCSRF
        }
        guard let expected, let sent = form.single("csrf"), Secrets.constantTimeEqual(sent, expected) else {
            logger.info("Dashboard refused a POST to \(request.uri.path) without a valid CSRF token")
            return .failure(forbidden(visitor))
        }
        return .success(form)
    }

    private func forbidden(_ visitor: Visitor) -> Response {
        message(visitor, status: .forbidden, title: "Form expired",
                text: "This form could not be accepted: it was not sent from this site's own page, or it is too old. Go back, reload the page and try again.")
    }

    // MARK: Responses

    /// A page: the template's data plus what the layout needs (who is signed
    /// in, the tokens forms carry).
    func page(_ template: String, _ visitor: Visitor, status: HTTPResponse.Status = .ok, data: [String: Any] = [:],
              cookies: [String] = []) -> Response {
        var data = data
        data["nav"] = [
            "signedIn": visitor.isSignedIn,
            "isAdmin": visitor.isAdmin,
            "name": visitor.member?.name ?? "",
            "csrf": visitor.session?.csrfToken ?? "",
        ] as [String: Any]
        data["anonymousCSRF"] = visitor.anonymousCSRF
        data["sessionCSRF"] = visitor.session?.csrfToken ?? ""
        let html = renderer.render(template, data: data)
        var headers = PageRenderer.pageHeaders()
        for cookie in cookies + csrfCookie(visitor) {
            headers.append(HTTPField(name: .setCookie, value: cookie))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that says one thing: the error pages, and confirmations.
    func message(_ visitor: Visitor, status: HTTPResponse.Status, title: String, text: String, link: (href: String, label: String)? = nil,
                 headers extra: HTTPFields = [:]) -> Response {
        var data: [String: Any] = ["title": title, "text": text]
        if let link { data["link"] = ["href": link.href, "label": link.label] }
        var response = page("message", visitor, status: status, data: data)
        for field in extra { response.headers.append(field) }
        return response
    }

    /// 303 See Other: after a POST, the browser GETs the next page.
    func redirect(_ visitor: Visitor, to path: String, cookies: [String] = []) -> Response {
        var headers = PageRenderer.pageHeaders()
        headers[.location] = path
        for cookie in cookies + csrfCookie(visitor) {
            headers.append(HTTPField(name: .setCookie, value: cookie))
        }
        return Response(status: .seeOther, headers: headers)
    }

    private func csrfCookie(_ visitor: Visitor) -> [String] {
        visitor.issuesCSRFCookie ? [SiteCookies.set(SiteCookies.csrf, visitor.anonymousCSRF, secure: configuration.secureCookies)] : []
    }

    /// An absolute link to a path here, for invites sent by email.
    func absoluteURL(_ path: String) -> String {
        configuration.baseURL + path
    }
}
