import Backends
import Foundation
import Hummingbird
import Logging

/// The request context: Hummingbird's core storage plus what the request log
/// line and metrics need to know once the response is written.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let record = RequestRecord()
    /// The client's IP address (for per-address limits such as the access-request form).
    public let remoteAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// A context for a request the server makes of itself (a batch line):
    /// there is no connection behind it.
    init(internalLogger logger: Logger) {
        coreContext = .init(source: InternalRequestSource(logger: logger))
        remoteAddress = nil
    }

    /// Bodies are read by the handlers with the server's own limit.
    public var maxUploadSize: Int { .max }
}

/// Facts about one request, filled in by handlers as they learn them.
public final class RequestRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var _principal: Principal?
    private var _model: String?
    private var _user: String?
    private var _promptTokens = 0
    private var _completionTokens = 0
    private var _rateLimitReport: RateLimitReport?
    private var _requestID = ""
    private var _workload: Workload?
    private var _queueSlot: QueueSlot?
    private var _queueMilliseconds: Int?
    private var _priority = RequestPriority.interactive

    func setPrincipal(_ p: Principal) { lock.withLock { _principal = p } }
    /// What the `x-ratelimit-*` headers of the answer say: set at admission,
    /// its token figures replaced when the request's tokens are reserved.
    func setRateLimitReport(_ r: RateLimitReport) { lock.withLock { _rateLimitReport = r } }
    /// The tokens counted so far, replacing earlier counts (a meter's running totals).
    func setTokens(prompt: Int, completion: Int) {
        lock.withLock {
            _promptTokens = prompt
            _completionTokens = completion
        }
    }
    func setModel(_ m: String) { lock.withLock { _model = m } }
    /// A batch line's request waits behind people's requests at the engine.
    func setPriority(_ p: RequestPriority) { lock.withLock { _priority = p } }
    func setUser(_ u: String) { lock.withLock { _user = u } }
    func setRequestID(_ id: String, workload: Workload?) {
        lock.withLock {
            _requestID = id
            _workload = workload
        }
    }
    func setWorkload(_ workload: Workload) { lock.withLock { _workload = workload } }
    /// The request's place to run among its key's requests (nil when it never
    /// got one), and the time it waited for it.
    func setQueueSlot(_ slot: QueueSlot?, waited: Duration) {
        lock.withLock {
            _queueSlot = slot
            _queueMilliseconds = Int(waited / .milliseconds(1))
        }
    }
    /// Hands the request's slot to its key's next waiting request.
    func releaseQueueSlot() {
        let slot = lock.withLock {
            defer { _queueSlot = nil }
            return _queueSlot
        }
        slot?.release()
    }
    func addTokens(prompt: Int = 0, completion: Int = 0) {
        lock.withLock {
            _promptTokens += prompt
            _completionTokens += completion
        }
    }

    public var principal: Principal? { lock.withLock { _principal } }
    public var model: String? { lock.withLock { _model } }
    public var priority: RequestPriority { lock.withLock { _priority } }
    /// The request's `user` field, as the client gave it.
    public var user: String? { lock.withLock { _user } }
    public var promptTokens: Int { lock.withLock { _promptTokens } }
    public var completionTokens: Int { lock.withLock { _completionTokens } }
    public var rateLimitReport: RateLimitReport? { lock.withLock { _rateLimitReport } }
    /// The `X-Request-Id` the response carries.
    public var requestID: String { lock.withLock { _requestID } }
    /// What the client's `X-Workload` said, if it named a known workload.
    public var workload: Workload? { lock.withLock { _workload } }
    /// Milliseconds spent waiting for a turn; nil for routes that do not queue.
    public var queueMilliseconds: Int? { lock.withLock { _queueMilliseconds } }
}

/// The source of a request the server makes of itself: only a logger.
struct InternalRequestSource: RequestContextSource {
    let logger: Logger
}
