import Foundation
import Logging

/// The count of open connections, shared by all of them, and the warning when
/// one is refused (at most one line per `warningInterval`, so a flood of
/// connections does not flood the log too).
public final class OpenConnections: @unchecked Sendable {
    public let limit: Int
    private let logger: Logger
    private let warningInterval: Duration = .seconds(10)
    private let lock = NSLock()
    private var open = 0
    private var refusedSinceWarning = 0
    private var lastWarning: ContinuousClock.Instant?

    public init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    public var count: Int { lock.withLock { open } }

    /// Counts a new connection in; false (and not counted) when the cap is reached.
    func admit() -> Bool {
        let (admitted, refusedToReport): (Bool, Int?) = lock.withLock {
            if open < limit {
                open += 1
                return (true, nil)
            }
            refusedSinceWarning += 1
            let now = ContinuousClock.now
            if let last = lastWarning, now - last < warningInterval { return (false, nil) }
            lastWarning = now
            defer { refusedSinceWarning = 0 }
            return (false, refusedSinceWarning)
        }
        if let refused = refusedToReport {
            logger.warning("closed \(refused) new connection\(refused == 1 ? "" : "s") at once: \(limit) connections are open (--max-connections)")
        }
        return admitted
    }

    func release() { lock.withLock { open -= 1 } }
}
