import Foundation
import HTTPTypes
import Hummingbird
import JSONValue
import Logging

/// Runs one batch line through the API's own routes, in process: the same
/// `CompletionsController` and `ScoreController` as `/v1/completions` and
/// `/v1/score`, behind the same request log (its log line, metrics and usage
/// row, billed to the batch's key), so a line is answered and billed exactly as
/// the same request sent over HTTP would be. Only the key check differs: the
/// line runs as the key that created the batch, with no secret to present.
public struct BatchLineDispatcher: Sendable {
    /// What a line got: its status, the `X-Request-Id` its answer carried, the body.
    public struct Answer: Sendable {
        public var status: Int
        public var requestID: String
        public var body: JSON
    }

    private let responder: RouterResponder<APIRequestContext>
    private let logger: Logger

    public init(models: ModelRegistry, configuration: ServerConfiguration, metrics: ServerMetrics, settings: BatchSettings, logger: Logger) {
        var configuration = configuration
        // No connection to watch: a line always runs to its end.
        configuration.cancelOnDisconnect = false
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestLogMiddleware(metrics: metrics, routes: KnownRoutes(), logger: logger))
        // The runner bounds how many lines run; a key's own concurrency still applies to them.
        let queues = KeyQueues(defaultConcurrency: settings.concurrency, maxWaiting: settings.concurrency)
        let v1 = router.group("v1")
        CompletionsController(models: models, configuration: configuration, metrics: metrics, queues: queues).addRoutes(to: v1)
        ScoreController(models: models, configuration: configuration, metrics: metrics, queues: queues).addRoutes(to: v1)
        responder = router.buildResponder()
        self.logger = logger
    }

    /// POSTs `body` to `endpoint` as `principal` (nil: a server without keys).
    public func dispatch(endpoint: String, body: String, principal: Principal?) async -> Answer {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "batch", path: endpoint)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[Workload.header] = Workload.batch.rawValue
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body)))
        let context = APIRequestContext(internalLogger: logger)
        if let principal { context.record.setPrincipal(principal) }
        context.record.setPriority(.batch)
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            // The request log answers every error itself; this is only a fallback.
            let apiError = APIError(error)
            return Answer(status: Int(apiError.status.code), requestID: context.record.requestID, body: apiError.json)
        }
        let collector = BodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            return Answer(status: 500, requestID: context.record.requestID,
                          body: APIError(.internalError, "The answer could not be read: \(error)").json)
        }
        let bytes = collector.bytes
        let json = JSON.parse(bytes) ?? .string(String(decoding: bytes, as: UTF8.self))
        return Answer(status: Int(response.status.code), requestID: response.headers[RequestID.header] ?? context.record.requestID, body: json)
    }
}

/// Keeps the bytes a response body writes.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        _ = lock.withLock { self.buffer.writeImmutableBuffer(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    var bytes: [UInt8] { lock.withLock { Array(buffer.readableBytesView) } }
}
