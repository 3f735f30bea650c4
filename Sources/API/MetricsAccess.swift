import Foundation
import HTTPTypes
import Hummingbird

/// Who may read `/metrics` (request counts by route, token counts, latencies
/// and the engine's load tell an outsider how busy the service is and what it
/// serves). Without a token: clients on a loopback address only. With a token
/// (`--metrics-token`): every scrape must present it, from anywhere — loopback
/// included, since a reverse proxy on the same host makes every client look local.
/// Only the token's SHA-256 digest is kept, compared in constant time.
public struct MetricsAccess: Sendable {
    private let token: StaticAPIKeys?

    public init(token: String? = nil) {
        self.token = token.flatMap { $0.isEmpty ? nil : StaticAPIKeys(keys: [$0]) }
    }

    /// Throws the refusal (an `APIError`) unless the request may read the metrics.
    func check(_ request: Request, remoteAddress: String?) async throws {
        if let token {
            let parts = request.headers[.authorization]?.split(separator: " ", maxSplits: 1) ?? []
            if parts.count == 2, parts[0].lowercased() == "bearer",
               try await token.authenticate(key: parts[1].trimmingCharacters(in: .whitespaces)) != nil {
                return
            }
            throw APIError(.invalidAPIKey, "Reading /metrics needs `Authorization: Bearer <metrics token>`.")
        }
        guard let remoteAddress, Self.isLoopback(remoteAddress) else {
            throw APIError(.notFound,
                           "Not found: /metrics is served to loopback clients only, or to scrapers with the server's metrics token.")
        }
    }

    /// 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses.
    static func isLoopback(_ address: String) -> Bool {
        let address = address.lowercased()
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
