import Foundation

/// A byte count that several threads add to and read, for metrics.
final class MemoryGauge: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0

    func add(_ delta: Int) { lock.withLock { bytes += delta } }
    var value: Int { lock.withLock { bytes } }
}
