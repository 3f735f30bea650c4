import Foundation

/// Queued concurrency per API key: at most `concurrency` requests of one key
/// run at once, up to `maxWaiting` more wait in arrival order, and one more is
/// refused with 429 `queue_full`. A burst from one key (an evaluation harness
/// with 64 workers) then waits its turn instead of failing, and cannot crowd
/// out other keys' requests on the engine.
///
/// The queue lives in this server process: several BaseServe processes behind
/// one load balancer each keep their own, so a key's limit is per process.
///
/// Waiting is a suspended task, not a poll: a released slot passes straight to
/// the first waiter, and a waiter whose task is cancelled (its client closed
/// the connection) leaves the line at once, so the next one moves up.
public final class KeyQueues: @unchecked Sendable {
    /// Running requests per key when neither the key nor its member sets one.
    public let defaultConcurrency: Int
    /// Requests per key that may wait beyond the running ones.
    public let maxWaiting: Int

    private let lock = NSLock()
    private var lines: [String: Line] = [:]
    private var nextTicket: UInt64 = 0

    private struct Waiter {
        let ticket: UInt64
        let continuation: CheckedContinuation<QueueSlot, any Error>
    }

    /// One key's requests: how many run, and who waits, first come first.
    private struct Line {
        var running = 0
        var waiting: [Waiter] = []
    }

    public init(defaultConcurrency: Int = 8, maxWaiting: Int = 64) {
        self.defaultConcurrency = max(1, defaultConcurrency)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// A slot to run one request of `key`, once one is free. `concurrency`
    /// overrides the default for this key. Throws the 429 `queue_full` when the
    /// key's line is full, and `CancellationError` when the task is cancelled
    /// while it waits (it has then left the line). The slot is released by
    /// `QueueSlot.release()`, or when it is dropped.
    public func acquire(key: String, concurrency: Int? = nil) async throws -> QueueSlot {
        let limit = max(1, concurrency ?? defaultConcurrency)
        let ticket = lock.withLock {
            nextTicket += 1
            return nextTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QueueSlot, any Error>) in
                let outcome: Result<QueueSlot, any Error>? = lock.withLock {
                    // Checked under the lock: a cancellation that came before the
                    // waiter was in line is seen here, one after it by `onCancel`.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    var line = lines[key] ?? Line()
                    // Nobody overtakes a waiter, even after the limit was raised.
                    if line.running < limit && line.waiting.isEmpty {
                        line.running += 1
                        lines[key] = line
                        return .success(QueueSlot(queues: self, key: key))
                    }
                    if line.waiting.count >= maxWaiting {
                        return .failure(APIError.queueFull(running: line.running, waiting: line.waiting.count))
                    }
                    line.waiting.append(Waiter(ticket: ticket, continuation: continuation))
                    lines[key] = line
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter: Waiter? = lock.withLock {
                guard var line = lines[key], let i = line.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                let waiter = line.waiting.remove(at: i)
                lines[key] = line
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot of `key` back: to the first waiter, or free.
    fileprivate func release(key: String) {
        let next: Waiter? = lock.withLock {
            guard var line = lines[key] else { return nil }
            if !line.waiting.isEmpty {
                let first = line.waiting.removeFirst()
                lines[key] = line
                return first
            }
            line.running -= 1
            lines[key] = line.running > 0 ? line : nil
            return nil
        }
        next?.continuation.resume(returning: QueueSlot(queues: self, key: key))
    }

    /// How many requests of `key` run and wait now.
    public func counts(key: String) -> (running: Int, waiting: Int) {
        lock.withLock { (lines[key]?.running ?? 0, lines[key]?.waiting.count ?? 0) }
    }

    /// Requests waiting now, all keys together (a `/metrics` gauge).
    public var waitingCount: Int {
        lock.withLock { lines.values.reduce(0) { $0 + $1.waiting.count } }
    }
}

/// The right to run one request of a key. Released once: explicitly when the
/// request's response ends (a stream's last byte included), or when the slot
/// is dropped, so no path out of a request can leak it.
public final class QueueSlot: @unchecked Sendable {
    private let queues: KeyQueues
    private let key: String
    private let lock = NSLock()
    private var released = false

    fileprivate init(queues: KeyQueues, key: String) {
        self.queues = queues
        self.key = key
    }

    public func release() {
        let first = lock.withLock {
            defer { released = true }
            return !released
        }
        if first { queues.release(key: key) }
    }

    deinit { release() }
}

extension APIError {
    /// 429 `queue_full`: the key has its most requests running and waiting.
    /// `Retry-After` is a second: a slot frees as soon as any of the key's
    /// running requests ends, which the server cannot predict.
    static func queueFull(running: Int, waiting: Int) -> APIError {
        var error = APIError(
            .queueFull,
            "Too many requests for this API key at once: \(running) running and \(waiting) waiting, the most this server queues per key. Retry when one of them has finished.")
        error.headers[.retryAfter] = "1"
        return error
    }
}

extension RequestRecord {
    /// Waits for the request's turn among its key's requests and keeps the
    /// slot until the response ends. Requests without a key (`--no-auth`) are
    /// not queued: there is nobody to queue them for.
    ///
    /// Where this sits in the request path, and why: after authentication and
    /// the requests-per-minute check (a refused or unknown key never takes a
    /// place in line, and a queued request was already counted), after the
    /// body is read and validated (a malformed request gets its 400 at once,
    /// and the body timeout never runs against a request that waits), and
    /// before the token reservation: a waiting request holds no tokens, so a
    /// line of waiting requests cannot lock its member out of the token
    /// windows (or budgets), and each reservation is made in the window in
    /// which its work actually runs.
    func waitForTurn(in queues: KeyQueues, metrics: ServerMetrics) async throws {
        guard let principal else { return }
        let started = ContinuousClock.now
        func waited() -> Duration { ContinuousClock.now - started }
        do {
            // The principal's name is unique per key (`bsk_<id>_…` or `key-N`).
            let slot = try await queues.acquire(key: principal.name, concurrency: principal.maxConcurrency)
            setQueueSlot(slot, waited: waited())
            metrics.recordQueueWait(waited())
        } catch is CancellationError {
            setQueueSlot(nil, waited: waited())
            throw CancellationError()
        }
    }
}
