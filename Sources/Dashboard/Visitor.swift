import Access

/// Who is asking: a signed-in member with their session, or a stranger. Either
/// way the visitor has an anonymous CSRF token for the forms shown before sign-in.
struct Visitor: Sendable {
    var member: Member?
    var session: Session?
    /// The session cookie's value, to delete the session on sign-out.
    var sessionToken: String?
    /// The double-submit token: the `baseserve_csrf` cookie's value, or a new one.
    var anonymousCSRF: String
    /// Whether `anonymousCSRF` is new and the response must set its cookie.
    var issuesCSRFCookie: Bool

    var isSignedIn: Bool { member != nil }
    var isAdmin: Bool { member?.isAdmin == true }
}
