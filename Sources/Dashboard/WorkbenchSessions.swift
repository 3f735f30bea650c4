import Access
import API
import HTTPTypes
import Hummingbird
import Logging

/// Who a Workbench request acts for: the member signed in to the page that
/// sent it. The page's script sends the session cookie (same origin) and
/// repeats the session's CSRF token in `X-CSRF-Token`, which a page on
/// another site cannot read; the token and the origin are checked on every
/// request, reads included. Refusals are the API's JSON errors.
struct WorkbenchSessions: Sendable {
    let store: any AccessStore
    let configuration: DashboardConfiguration
    let logger: Logger

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// The id of one of the member's keys to bill; absent: their Workbench key.
    static let keyHeader = HTTPField.Name("X-Workbench-Key")!

    /// The signed-in member, or nil when the request carries no session cookie.
    func member(of request: Request) async throws -> Member? {
        guard let token = SiteCookies.value(SiteCookies.session, in: request) else { return nil }
        guard !configuration.isCrossSite(request) else {
            throw APIError(.invalidAPIKey, "A request from another site cannot use a BaseServe session: send an API key in `Authorization: Bearer <key>`.")
        }
        let found: (Session, Member)?
        do {
            found = try await store.session(token: token)
        } catch {
            logger.error("access store failed while reading a Workbench session: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
        guard let (session, member) = found else {
            throw APIError(.invalidAPIKey, "Your session has ended: sign in again at /signin.")
        }
        guard let sent = request.headers[Self.csrfHeader], Secrets.constantTimeEqual(sent, session.csrfToken) else {
            throw APIError(.invalidAPIKey,
                           "A request made with your session must carry the page's CSRF token in `X-CSRF-Token` (reload the page); API clients send `Authorization: Bearer <key>` instead.")
        }
        return member
    }

    /// The signed-in member; a 401 without a session.
    func requireMember(_ request: Request) async throws -> Member {
        guard let member = try await member(of: request) else {
            throw APIError(.invalidAPIKey, "Sign in first: the Workbench's API answers pages of a signed-in member.")
        }
        return member
    }
}
