import Access
import API
import Hummingbird
import Logging

/// The API's authentication with the Workbench's second way in: a bearer key
/// as always, or (no `Authorization`) the session of a signed-in page. A
/// session's request bills one of the member's keys — the one named in
/// `X-Workbench-Key`, else their Workbench key, made on first use — and goes
/// through that key's limits, queue, budgets and usage like any other request;
/// the API tags it `interactive`.
public struct WorkbenchGate: APIKeyAuthenticator {
    let keys: AccessGate
    let sessions: WorkbenchSessions

    public init(keys: AccessGate, store: any AccessStore, configuration: DashboardConfiguration, logger: Logger) {
        self.keys = keys
        self.sessions = WorkbenchSessions(store: store, configuration: configuration, logger: logger)
    }

    public func authenticate(key: String) async throws -> Principal? {
        try await keys.authenticate(key: key)
    }

    public func authenticate(browserRequest request: Request) async throws -> Principal? {
        guard let member = try await sessions.member(of: request) else { return nil }
        let keyID = request.headers[WorkbenchSessions.keyHeader].map { $0.trimmingCharacters(in: .whitespaces) }
            .flatMap { $0.isEmpty ? nil : $0 }
        let found: KeyAuthentication?
        do {
            found = try await sessions.store.workbenchKey(memberID: member.id, keyID: keyID)
        } catch {
            sessions.logger.error("access store failed while finding a Workbench key: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
        guard let found else {
            throw APIError(.invalidAPIKey,
                           "The key picked in the Workbench is not one of your usable keys (revoked or expired?): pick another, or “Workbench key”.")
        }
        return try keys.principal(for: found)
    }
}
