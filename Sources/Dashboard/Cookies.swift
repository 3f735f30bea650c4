import Hummingbird

/// The two cookies the dashboard sets, written and read with Hummingbird's
/// cookie types.
enum SiteCookies {
    /// The session token from `AccessStore.createSession`.
    static let session = "baseserve_session"
    /// The double-submit CSRF token of forms shown before sign-in.
    static let csrf = "baseserve_csrf"

    /// A cookie's value from the request's `Cookie` headers; the first one wins,
    /// as browsers send the most specific path first. An empty value is none.
    static func value(_ name: String, in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// `Set-Cookie` for a cookie that lives as long as the browser session: the
    /// server's own expiry of the token is what counts. Only HTTP sees it, and
    /// SameSite=Lax keeps it off cross-site POSTs.
    static func set(_ name: String, _ value: String, secure: Bool) -> String {
        Cookie(name: name, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax).description
    }

    static func clear(_ name: String, secure: Bool) -> String {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax).description
    }
}
