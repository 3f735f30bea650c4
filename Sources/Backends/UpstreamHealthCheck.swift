import Logging
import NIOCore

/// Probes every replica of an upstream model every few seconds (`GET /health`,
/// any 2xx is healthy) and records the answers in its pool: one failed probe
/// takes a replica out, one good probe puts it back. Runs until cancelled.
struct UpstreamHealthCheck {
    let model: String
    let pool: ReplicaPool
    let client: UpstreamClient
    let path: String
    let interval: Double
    let logger: Logger

    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            await checkAll()
        }
    }

    func checkAll() async {
        let urls = pool.urls
        await withTaskGroup(of: Void.self) { group in
            for (i, url) in urls.enumerated() {
                group.addTask { record(i, url: url, healthy: await probe(url)) }
            }
        }
    }

    /// A probe may take at most the interval (and at least a second).
    func probe(_ url: String) async -> Bool {
        do {
            let response = try await client.send(.GET, url + path, body: nil, timeout: .milliseconds(Int64(max(1, interval) * 1000)))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return true
        } catch {
            return false
        }
    }

    func record(_ i: Int, url: String, healthy: Bool) {
        guard pool.setHealthy(i, healthy) else { return }
        if healthy {
            logger.notice("upstream replica \(UpstreamClient.host(url)) of model \(model) is healthy again")
        } else {
            logger.warning("upstream replica \(UpstreamClient.host(url)) of model \(model) failed its health check; taken out")
        }
    }
}
