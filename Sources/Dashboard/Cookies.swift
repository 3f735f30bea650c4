import Foundation
import Hummingbird

/// The two cookies the dashboard sets, and how it reads them back.
enum Cookies {
    /// The session token from `AccessStore.createSession`.
    static let session = "baseserve_session"
    /// The double-submit CSRF token of forms shown before sign-in.
    static let csrf = "baseserve_csrf"

    /// A cookie's value from the request's `Cookie` headers; the first one wins,
    /// as browsers send the most specific path first.
    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                guard let eq = pair.firstIndex(of: "=") else { continue }
                if pair[..<eq] == name {
                    let value = String(pair[pair.index(after: eq)...])
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    /// `Set-Cookie` for a cookie that lives as long as the browser session: the
    /// server's own expiry of the token is what counts. Only HTTP sees it, and
    /// SameSite=Lax keeps it off cross-site POSTs.
    static func set(_ name: String, _ value: String, secure: Bool) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static func clear(_ name: String, secure: Bool) -> String {
        "\(name)=; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "") + "; Max-Age=0"
    }
}
