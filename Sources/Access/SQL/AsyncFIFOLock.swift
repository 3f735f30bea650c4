import Foundation

/// A lock for async code that hands itself to waiters in arrival order.
///
/// SQLite gives one connection; a transaction on it spans several awaits. An
/// actor would not do: it is re-entrant at each await, so a second task could
/// run a statement between another's BEGIN and COMMIT. Holding this lock for
/// the whole transaction keeps transactions whole, and FIFO order keeps a busy
/// writer from starving the others. Waiting ignores cancellation: a waiter is
/// never more than one transaction away from its turn.
final class AsyncFIFOLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var isLocked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            mutex.lock()
            if isLocked {
                waiters.append(continuation)
                mutex.unlock()
            } else {
                isLocked = true
                mutex.unlock()
                continuation.resume()
            }
        }
    }

    /// Passes the lock straight to the oldest waiter, or frees it.
    func unlock() {
        mutex.lock()
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                head = 0
            }
            mutex.unlock()
            next.resume()
        } else {
            isLocked = false
            mutex.unlock()
        }
    }

    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        await lock()
        defer { unlock() }
        return try await body()
    }
}
