import Foundation

/// How the dashboard's pages behave; plain values the server sets from its flags.
public struct DashboardConfiguration: Sendable {
    /// Where browsers reach this server, e.g. `http://127.0.0.1:8000`: invite links
    /// are absolute (they travel by email), and POSTs must come from this origin.
    public var publicURL: String
    /// Mark cookies `Secure`; true when `publicURL` is https.
    public var secureCookies: Bool
    /// How long an invite link works.
    public var inviteLifetime: TimeInterval
    /// How long a sign-in lasts.
    public var sessionLifetime: TimeInterval
    /// Access-request form submissions allowed per client address per hour.
    public var requestFormLimitPerHour: Int
    /// bcrypt work factor for new passwords (tests use 4 to stay fast).
    public var bcryptCost: Int

    /// A fixed pause after every failed sign-in, so guessing is slow whatever the
    /// lockout counter says. Internal: tests shorten it.
    var failedSignInDelay: Duration = .milliseconds(400)
    /// The pages' clock (invite states, the sign-in lockout window). Internal:
    /// tests share one clock between the store and the pages.
    var now: @Sendable () -> Date = { Date() }

    public init(publicURL: String, secureCookies: Bool, inviteLifetime: TimeInterval = 7 * 86_400,
                sessionLifetime: TimeInterval = 7 * 86_400, requestFormLimitPerHour: Int = 10, bcryptCost: Int = 12) {
        self.publicURL = publicURL
        self.secureCookies = secureCookies
        self.inviteLifetime = inviteLifetime
        self.sessionLifetime = sessionLifetime
        self.requestFormLimitPerHour = requestFormLimitPerHour
        self.bcryptCost = bcryptCost
    }

    /// `scheme://host[:port]` of `publicURL`, lower-cased, as browsers send it in `Origin`.
    var publicOrigin: String? {
        guard let url = URLComponents(string: publicURL), let scheme = url.scheme?.lowercased(),
              let host = url.host?.lowercased(), !host.isEmpty else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = url.port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }

    /// `publicURL` without a trailing slash, to put paths after.
    var baseURL: String {
        var url = publicURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
