import Backends
import Hummingbird
import HummingbirdCore
import JSONValue
import Logging

/// How the server runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The largest `logprobs` / `prompt_logprobs` a request may ask for.
    public var maxLogprobs: Int
    /// Request bodies beyond this many bytes get a 413.
    public var maxBodyBytes: Int
    public var version: String
    /// Cancel a completion or scoring request's work when its client disconnects.
    public var cancelOnDisconnect: Bool
    /// Timeouts on clients' sending and idling, and the cap on open connections.
    public var connections: ConnectionLimits
    /// Who may read `/metrics`.
    public var metricsAccess: MetricsAccess
    /// The most continuations (or items) one `/v1/score` request may score:
    /// each is a pass over the model, and billing reserves for them up front.
    public var maxScoreContinuations: Int
    /// Requests of one key that run at once, unless the key or its member sets another number.
    public var keyConcurrency: Int
    /// Requests of one key that may wait for a turn beyond the running ones; more get 429 `queue_full`.
    public var keyQueue: Int
    /// The most layers × positions one request may capture (`output_residual_stream`).
    public var maxActivationPositions = 262_144
    /// The most prompt positions × choices one request may ask whole
    /// distributions for (`prompt_logprobs: -1`).
    public var maxFullVocabPositions = 2048
    /// The Batch API's file limits and runner settings.
    public var batches = BatchSettings()

    public init(host: String = "127.0.0.1", port: Int = 8000, maxLogprobs: Int = 20, maxBodyBytes: Int = 16 << 20,
                version: String = BaseServeVersion.current, cancelOnDisconnect: Bool = true,
                connections: ConnectionLimits = ConnectionLimits(), metricsAccess: MetricsAccess = MetricsAccess(),
                maxScoreContinuations: Int = 64, keyConcurrency: Int = 8, keyQueue: Int = 64) {
        self.host = host
        self.port = port
        self.maxLogprobs = maxLogprobs
        self.maxBodyBytes = maxBodyBytes
        self.version = version
        self.cancelOnDisconnect = cancelOnDisconnect
        self.connections = connections
        self.metricsAccess = metricsAccess
        self.maxScoreContinuations = maxScoreContinuations
        self.keyConcurrency = keyConcurrency
        self.keyQueue = keyQueue
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

public enum BaseServeVersion {
    public static let current = "0.1.0"
}

/// The router with every route; the authenticator guards `/v1/*`, `/tokenize`
/// and `/detokenize` (nil: no authentication, for loopback-only servers).
/// `addRoutes` adds routes of layers above the API (the web pages).
public func buildRouter(models: ModelRegistry, authenticator: (any APIKeyAuthenticator)?, configuration: ServerConfiguration,
                        metrics: ServerMetrics, state: ServerState = ServerState(), logger: Logger,
                        batchStore: (any BatchStore)? = nil,
                        addRoutes: (Router<APIRequestContext>) -> Void = { _ in }) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    let known = KnownRoutes()
    let queues = KeyQueues(defaultConcurrency: configuration.keyConcurrency, maxWaiting: configuration.keyQueue)
    router.add(middleware: RequestLogMiddleware(metrics: metrics, routes: known, logger: logger))
    // Inside the request log, which so sees each body as it will be sent.
    router.add(middleware: GzipMiddleware<APIRequestContext>())

    // Public routes.
    router.get("health") { _, _ in
        // Load balancers stop sending work while in-flight requests finish.
        state.isDraining
            ? jsonResponse(.object([("status", "draining")]), status: .serviceUnavailable)
            : jsonResponse(.object([("status", "ok")]))
    }
    router.get("version") { _, _ in jsonResponse(.object([("version", .string(configuration.version))])) }
    router.get("metrics") { request, context in
        try await configuration.metricsAccess.check(request, remoteAddress: context.remoteAddress)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: metrics.render(load: models.load, waitingRequests: queues.waitingCount))))
    }
    router.get("openapi.json") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
    let tokenizer = TokenizerController(models: models, configuration: configuration)
    tokenizer.addPublicRoutes(to: router)

    // Routes that need a key.
    let protected = router.group()
    let v1 = router.group("v1")
    protected.add(middleware: DrainingMiddleware(state: state))
    v1.add(middleware: DrainingMiddleware(state: state))
    if let authenticator {
        protected.add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        v1.add(middleware: AuthenticationMiddleware(authenticator: authenticator))
    }
    tokenizer.addProtectedRoutes(to: protected)
    CompletionsController(models: models, configuration: configuration, metrics: metrics, queues: queues).addRoutes(to: v1)
    ScoreController(models: models, configuration: configuration, metrics: metrics, queues: queues).addRoutes(to: v1)
    if let batchStore { addBatchRoutes(to: v1, store: batchStore, models: models, configuration: configuration, metrics: metrics, queues: queues) }
    v1.get("models") { _, context in
        let data: [JSON] = models.visible(to: context.record.principal).map {
            ModelListing.entry($0.descriptor, maxLogprobs: configuration.maxLogprobs)
        }
        return jsonResponse(.object([("object", "list"), ("data", .array(data))]))
    }

    addRoutes(router)
    known.set(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    return router
}

/// The whole application, ready to `runService()`.
public func buildApplication(models: ModelRegistry, authenticator: (any APIKeyAuthenticator)?, configuration: ServerConfiguration,
                             metrics: ServerMetrics = ServerMetrics(), state: ServerState = ServerState(),
                             logger: Logger, batchStore: (any BatchStore)? = nil,
                             addRoutes: (Router<APIRequestContext>) -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(models: models, authenticator: authenticator, configuration: configuration, metrics: metrics,
                             state: state, logger: logger, batchStore: batchStore, addRoutes: addRoutes)
    let limits = configuration.connections
    let connections = OpenConnections(limit: limits.maxConnections, logger: logger)
    // A guard per connection (the closure runs for each one) enforces the
    // timeouts and the cap; Hummingbird's own idle timeout stays off, since
    // the guard's covers idling and more.
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(limits: limits, connections: connections, logger: logger)])
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "BaseServe"),
        logger: logger)
}
