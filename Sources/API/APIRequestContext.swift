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
    func setUser(_ u: String) { lock.withLock { _user = u } }
    func addTokens(prompt: Int = 0, completion: Int = 0) {
        lock.withLock {
            _promptTokens += prompt
            _completionTokens += completion
        }
    }

    public var principal: Principal? { lock.withLock { _principal } }
    public var model: String? { lock.withLock { _model } }
    /// The request's `user` field, as the client gave it.
    public var user: String? { lock.withLock { _user } }
    public var promptTokens: Int { lock.withLock { _promptTokens } }
    public var completionTokens: Int { lock.withLock { _completionTokens } }
    public var rateLimitReport: RateLimitReport? { lock.withLock { _rateLimitReport } }
}
