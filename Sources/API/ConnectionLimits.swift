import Foundation

/// What a client may make the server hold open. The timeouts bound the
/// client's own sending and idling — never the server's work: once a request
/// has arrived whole, no timer runs until its response has ended, however long
/// a stream of generated tokens or a scoring job takes.
public struct ConnectionLimits: Sendable {
    /// A new connection must deliver a whole request head within this.
    public var headTimeout: Duration
    /// A request body must arrive whole within this after its head.
    public var bodyTimeout: Duration
    /// A kept-alive connection with no request in progress is closed after
    /// this (the next request's head must arrive whole within it too).
    public var idleTimeout: Duration
    /// Connections beyond this many are closed as soon as they are accepted,
    /// so the server keeps descriptors for its own files and `/health`.
    public var maxConnections: Int

    public init(headTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(60), idleTimeout: Duration = .seconds(15),
                maxConnections: Int = 1000) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
