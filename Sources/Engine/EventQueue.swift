import Foundation

/// Events of one job handed from the scheduler's thread to a thread that
/// blocks for them (`Engine.run`): the consumer waits on a condition.
final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [EngineEvent] = []

    func push(_ event: EngineEvent) {
        condition.withLock {
            events.append(event)
            condition.signal()
        }
    }

    /// The next event, waiting for it.
    func next() -> EngineEvent {
        condition.withLock {
            while events.isEmpty { condition.wait() }
            return events.removeFirst()
        }
    }
}
