import Backends
import Foundation
import Metrics
import Prometheus

/// The server's Prometheus metrics, kept in a registry of its own (so that
/// several apps in one process, as in tests, do not share counters) and
/// written through swift-metrics.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let promptTokens: Metrics.Counter
    private let generationTokens: Metrics.Counter
    private let timeToFirstToken: Metrics.Timer
    private let running: Metrics.Gauge
    private let queue: Metrics.Gauge
    private let kvCache: Metrics.Gauge
    private let queueWait: Metrics.Timer
    private let queueWaiting: Metrics.Gauge
    private let inFlight = InFlightCounter()

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
        promptTokens = Metrics.Counter(label: "baseserve_prompt_tokens_total", factory: factory)
        generationTokens = Metrics.Counter(label: "baseserve_generation_tokens_total", factory: factory)
        timeToFirstToken = Metrics.Timer(label: "baseserve_time_to_first_token_seconds", factory: factory)
        running = Metrics.Gauge(label: "baseserve_requests_running", factory: factory)
        queue = Metrics.Gauge(label: "baseserve_engine_jobs", factory: factory)
        kvCache = Metrics.Gauge(label: "baseserve_kv_cache_bytes", factory: factory)
        queueWait = Metrics.Timer(label: "baseserve_queue_wait_seconds", factory: factory)
        queueWaiting = Metrics.Gauge(label: "baseserve_queue_waiting_requests", factory: factory)
    }

    func requestStarted() { running.record(inFlight.add(1)) }
    func requestFinished() { running.record(inFlight.add(-1)) }

    func recordRequest(route: String, status: Int, seconds: Double) {
        Metrics.Counter(label: "baseserve_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "baseserve_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func recordTokens(prompt: Int, completion: Int) {
        if prompt > 0 { promptTokens.increment(by: prompt) }
        if completion > 0 { generationTokens.increment(by: completion) }
    }

    func recordTimeToFirstToken(seconds: Double) {
        timeToFirstToken.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// How long a request waited for its turn among its key's requests (0 for most).
    func recordQueueWait(_ waited: Duration) {
        queueWait.recordNanoseconds(Int64(waited / .nanoseconds(1)))
    }

    /// The Prometheus text, with the engine's queue and the requests waiting
    /// in the keys' queues sampled now.
    public func render(load: BackendLoad, waitingRequests: Int = 0) -> String {
        queueWaiting.record(waitingRequests)
        queue.record(load.jobs)
        kvCache.record(load.kvCacheBytes)
        return registry.emitToString()
    }
}

private final class InFlightCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add(_ d: Int) -> Int { lock.withLock { value += d; return value } }
}
