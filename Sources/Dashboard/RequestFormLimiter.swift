import Foundation

/// How many access requests one client address may send per hour, counted in
/// memory: the form is the only page a stranger can make the server write on, so
/// it is the one that needs a brake. A restart forgets the counts, which is fine
/// for a brake against floods (the store merges duplicates per email anyway).
final class RequestFormLimiter: @unchecked Sendable {
    private let limit: Int
    private let window: TimeInterval
    private let lock = NSLock()
    /// Submission times per address, oldest first, all inside the window.
    private var submissions: [String: [Date]] = [:]

    init(limitPerHour: Int, window: TimeInterval = 3600) {
        self.limit = limitPerHour
        self.window = window
    }

    /// Counts a submission from `address` if it is under the limit; otherwise
    /// returns the seconds until the oldest counted one leaves the window.
    func admit(_ address: String, now: Date) -> (allowed: Bool, retryAfterSeconds: Int) {
        lock.withLock {
            let cutoff = now.addingTimeInterval(-window)
            var times = submissions[address, default: []].filter { $0 > cutoff }
            defer { prune(cutoff: cutoff) }
            guard times.count < limit else {
                submissions[address] = times
                let retry = times[0].addingTimeInterval(window).timeIntervalSince(now)
                return (false, max(1, Int(retry.rounded(.up))))
            }
            times.append(now)
            submissions[address] = times
            return (true, 0)
        }
    }

    /// Drops addresses with nothing left in the window once the table grows, so
    /// a scan from many addresses cannot grow memory without bound.
    private func prune(cutoff: Date) {
        guard submissions.count > 10_000 else { return }
        submissions = submissions.filter { ($0.value.last ?? .distantPast) > cutoff }
    }
}
