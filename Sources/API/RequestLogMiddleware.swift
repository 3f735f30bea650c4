import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: turns every failure (unknown route, wrong method,
/// oversized or malformed body, anything thrown) into an OpenAI-style error
/// response, and once the response is written logs one line and records metrics.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: ServerMetrics
    let routes: KnownRoutes
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        metrics.requestStarted()
        let requestID = RequestID.forRequest(request.headers)
        context.record.setRequestID(requestID, workload: Workload.of(request.headers))
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = errorResponse(for: error, request: request, context: context)
        }
        // Every answer carries its id: API, errors, unknown routes and pages alike.
        response.headers[RequestID.header] = requestID
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let record = context.record
        let metrics = self.metrics
        let logger = self.logger
        let method = request.method.rawValue
        let path = request.uri.path
        let body = response.body
        // A stream's usage is recorded inside the body writer, after its last byte
        // and before the response ends, so nothing served goes unrecorded.
        let finish: @Sendable (_ status: Int) async -> Void = { status in
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.requestFinished()
            metrics.recordRequest(route: route, status: status, seconds: seconds)
            metrics.recordTokens(prompt: record.promptTokens, completion: record.completionTokens)
            var line = "\(method) \(path) \(status) \(String(format: "%.3f", seconds))s"
            if status == APIError.clientClosedRequest.status.code { line += " client closed request" }
            if let model = record.model { line += " model=\(model)" }
            if record.promptTokens > 0 || record.completionTokens > 0 {
                line += " prompt_tokens=\(record.promptTokens) completion_tokens=\(record.completionTokens)"
            }
            if let p = record.principal { line += " key=\(p.name)" }
            if let user = record.user { line += " user=\(user.debugDescription)" }
            if let queued = record.queueMilliseconds { line += " queue_ms=\(queued)" }
            if let workload = record.workload { line += " workload=\(workload.rawValue)" }
            line += " request_id=\(record.requestID)"
            logger.info("\(line)")
            if let account = record.principal?.account {
                await account.record(RequestUsage(
                    route: route, model: record.model, promptTokens: record.promptTokens,
                    completionTokens: record.completionTokens, status: Int(status),
                    latencyMilliseconds: Int((seconds * 1000).rounded()), user: record.user,
                    requestID: record.requestID, queueMilliseconds: record.queueMilliseconds, workload: record.workload))
            }
            // The key's next waiting request runs only now, after this one's
            // tokens are settled, so its reservation sees them.
            record.releaseQueueSlot()
        }
        if response.status == APIError.clientClosedRequest.status {
            // The client is gone: nothing will write this body, so record now.
            await finish(response.status.code)
            return response
        }
        let status = response.status.code
        if body.contentLength != nil {
            // A body known in full (everything but a stream) is recorded before it is
            // written: with a Content-Length the client has its answer as soon as the
            // last byte is out, possibly before the writer returns, and a client that
            // holds its answer must find its request in the usage (a burst of refused
            // requests counted at once, a budget read right after a call).
            await finish(status)
            return response
        }
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
                await finish(status)
            } catch {
                // The body could not be written: the client closed the connection.
                await finish(APIError.clientClosedRequest.status.code)
                throw error
            }
        }
        return response
    }

    private func errorResponse(for error: any Error, request: Request, context: Context) -> Response {
        var apiError = APIError(error)
        if apiError.status == .notFound, context.endpointPath == "NotFound" || context.endpointPath == nil {
            let allowed = routes.methods(for: request.uri.path)
            if allowed.isEmpty {
                apiError.message = "Not found: \(request.method.rawValue) \(request.uri.path) is not a route of this server."
            } else {
                apiError = APIError(.methodNotAllowed,
                                    "Method \(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", ")).")
                apiError.headers[.allow] = allowed.joined(separator: ", ")
            }
        }
        // Refusals while shutting down are expected; other 5xx are worth a look,
        // with the id the client got, so a reported request can be found in the log.
        if apiError.status.code >= 500, apiError.code != .serverDraining {
            logger.error("\(request.method.rawValue) \(request.uri.path) failed: \(error) request_id=\(context.record.requestID)")
        }
        return apiError.response
    }
}

/// The routes the app serves, by path, for 405 answers.
public final class KnownRoutes: @unchecked Sendable {
    private let lock = NSLock()
    private var byPath: [String: [String]] = [:]

    func set(_ routes: [(path: String, method: String)]) {
        lock.withLock {
            byPath = [:]
            for r in routes { byPath[r.path, default: []].append(r.method) }
        }
    }

    func methods(for path: String) -> [String] {
        lock.withLock { (byPath[path] ?? []).sorted() }
    }
}
