import Foundation

/// The replicas of one upstream model: which are healthy, and how many requests
/// each has outstanding. A request goes to the healthy replica with the fewest
/// outstanding requests; ties go round the list, so that one-at-a-time traffic
/// still spreads. When no replica is marked healthy, the unhealthy ones are
/// tried rather than failing at once: a replica may be back before its next check.
final class ReplicaPool: @unchecked Sendable {
    struct Replica: Equatable {
        var url: String
        var healthy = true
        var outstanding = 0
    }

    private let lock = NSLock()
    private var replicas: [Replica]
    private var nextTie = 0

    init(urls: [String]) {
        replicas = urls.map { Replica(url: $0) }
    }

    var urls: [String] { lock.withLock { replicas.map(\.url) } }
    var snapshot: [Replica] { lock.withLock { replicas } }
    var outstanding: Int { lock.withLock { replicas.reduce(0) { $0 + $1.outstanding } } }

    /// Picks a replica not in `excluded` and counts a request on it; nil when none is left.
    /// Small side requests (tokenize) pass `rotates: false`, so that they do not
    /// move the turn and push every completion that follows one onto the same replica.
    func acquire(excluding excluded: Set<Int> = [], rotates: Bool = true) -> Int? {
        lock.withLock {
            let candidates = replicas.indices.filter { !excluded.contains($0) }
            let healthy = candidates.filter { replicas[$0].healthy }
            let pool = healthy.isEmpty ? candidates : healthy
            guard let fewest = pool.map({ replicas[$0].outstanding }).min() else { return nil }
            let tied = pool.filter { replicas[$0].outstanding == fewest }
            // The first tied replica at or after the rotating start.
            let start = nextTie % replicas.count
            let chosen = tied.first { $0 >= start } ?? tied[0]
            if rotates { nextTie = chosen + 1 }
            replicas[chosen].outstanding += 1
            return chosen
        }
    }

    func release(_ i: Int) {
        lock.withLock { replicas[i].outstanding = max(0, replicas[i].outstanding - 1) }
    }

    /// Records a health observation; returns true when it changed the replica's state.
    @discardableResult
    func setHealthy(_ i: Int, _ healthy: Bool) -> Bool {
        lock.withLock {
            guard replicas[i].healthy != healthy else { return false }
            replicas[i].healthy = healthy
            return true
        }
    }
}
