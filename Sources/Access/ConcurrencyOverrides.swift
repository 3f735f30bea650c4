import Foundation

/// Members' and keys' own numbers of requests that may run at once (absent: the server's default).
public struct ConcurrencyOverrides: Sendable, Equatable {
    public var members: [String: Int] = [:]
    public var keys: [String: Int] = [:]

    public init(members: [String: Int] = [:], keys: [String: Int] = [:]) {
        self.members = members
        self.keys = keys
    }
}
