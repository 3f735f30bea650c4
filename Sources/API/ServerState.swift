import Foundation
import Logging
import ServiceLifecycle

/// Whether the server is still taking work or draining before it stops.
public final class ServerState: Sendable {
    private let draining = NSLock.Protected(false)

    public init() {}

    public var isDraining: Bool { draining.value }
    func beginDraining() { draining.value = true }
}

/// Marks the server as draining as soon as a graceful shutdown begins
/// (SIGINT/SIGTERM), so `/health` answers 503 while in-flight requests finish.
/// Run it beside the application in one service group, listed after it: a
/// group shuts its services down last to first, so the watcher hears of the
/// shutdown before the server starts draining.
public struct DrainWatcher: Service {
    let state: ServerState
    let logger: Logger

    public init(state: ServerState, logger: Logger) {
        self.state = state
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        state.beginDraining()
        logger.info("shutting down: finishing in-flight requests")
    }
}

extension NSLock {
    /// A value guarded by a lock.
    final class Protected<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Value
        init(_ value: Value) { stored = value }
        var value: Value {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}
