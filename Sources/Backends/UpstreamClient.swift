import AsyncHTTPClient
import Foundation
import JSONValue
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP to the replicas of one upstream: adds the upstream's key, applies its
/// timeouts, and turns every failure into a `BackendError` whose message names
/// the model and the replica's address but never the key.
struct UpstreamClient: Sendable {
    let model: String
    let http: HTTPClient
    let apiKey: String?
    let timeout: TimeAmount

    init(configuration c: UpstreamConfiguration) {
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .milliseconds(Int64(c.connectTimeoutSeconds * 1000)))
        // Fail a refused connection at once, so the request can go to another replica.
        settings.connectionPool.retryConnectionEstablishment = false
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        // The key is for this upstream: never follow a redirect elsewhere with it.
        settings.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
        model = c.name
        apiKey = c.apiKey
        timeout = .milliseconds(Int64(c.timeoutSeconds * 1000))
    }

    /// Why a request failed, and whether it surely never reached the upstream
    /// (so it may be sent to another replica).
    struct Failure: Error {
        var error: BackendError
        var notSent: Bool
    }

    /// Sends a request and waits for the response head. A non-2xx answer is read
    /// and thrown as the matching `BackendError`.
    func send(_ method: HTTPMethod, _ url: String, body: JSON?, timeout: TimeAmount? = nil) async throws(Failure)
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(UpstreamJSON.encode(body))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout ?? self.timeout)
        } catch {
            throw failure(error, url: url)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let bytes = try? await response.body.collect(upTo: 1 << 20)
            let details = bytes.flatMap { UpstreamJSON.errorMessage(UpstreamJSON.decode($0.readableBytesView)) }
            throw Failure(error: statusError(Int(response.status.code), details, url: url), notSent: false)
        }
        return response
    }

    /// A small JSON answer (models, tokenize, health).
    func json(_ method: HTTPMethod, _ url: String, body: JSON? = nil, timeout: TimeAmount? = nil) async throws(Failure) -> JSON {
        let response = try await send(method, url, body: body, timeout: timeout)
        do {
            let bytes = try await response.body.collect(upTo: 64 << 20)
            guard let value = UpstreamJSON.decode(bytes.readableBytesView) else {
                throw Failure(error: .upstreamFailure("The upstream of model `\(model)` at \(Self.host(url)) sent a body that is not JSON."), notSent: false)
            }
            return value
        } catch let f as Failure {
            throw f
        } catch {
            throw failure(error, url: url)
        }
    }

    /// An upstream's HTTP error as ours: its validation errors pass through as
    /// 400s (a context too short for the request as the context-length refusal
    /// it is: vLLM and OpenAI both word it "maximum context length"); a refused
    /// key, a missing model or a server error is BaseServe's configuration or
    /// the upstream's fault, so a 502; overload is a 503.
    func statusError(_ status: Int, _ details: (message: String, param: String?)?, url: String) -> BackendError {
        let said = details.map { ": " + redact($0.message) } ?? ""
        switch status {
        case 400 where details?.message.contains("maximum context length") == true:
            return .contextLengthExceeded(redact(details!.message), param: details?.param)
        case 400, 413, 422:
            return .invalidRequest(details.map { redact($0.message) } ?? "The upstream of model `\(model)` refused the request.",
                                   param: details?.param)
        case 401, 403:
            return .upstreamFailure("The upstream of model `\(model)` at \(Self.host(url)) refused BaseServe's credentials (HTTP \(status)); the operator must fix its API key.")
        case 429, 503:
            return .unavailable("The upstream of model `\(model)` is overloaded (HTTP \(status))\(said)")
        case 504:
            return .upstreamTimeout("The upstream of model `\(model)` at \(Self.host(url)) timed out (HTTP 504)\(said)")
        default:
            return .upstreamFailure("The upstream of model `\(model)` at \(Self.host(url)) failed with HTTP \(status)\(said)")
        }
    }

    /// A transport error as ours.
    func failure(_ error: any Error, url: String) -> Failure {
        if error is CancellationError { return Failure(error: .unavailable("The request was cancelled."), notSent: false) }
        let host = Self.host(url)
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return Failure(error: .upstreamTimeout("The upstream of model `\(model)` at \(host) did not answer within \(seconds(timeout)) s."), notSent: false)
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return Failure(error: .upstreamFailure("Cannot connect to the upstream of model `\(model)` at \(host): timed out."), notSent: true)
            case .cancelled:
                return Failure(error: .unavailable("The request was cancelled."), notSent: false)
            default:
                break
            }
        }
        if Self.isConnectFailure(error) {
            return Failure(error: .upstreamFailure("Cannot connect to the upstream of model `\(model)` at \(host)."), notSent: true)
        }
        return Failure(error: .upstreamFailure("The upstream of model `\(model)` at \(host) failed: \(redact(String(describing: error)))"), notSent: false)
    }

    /// Errors raised while opening the connection, before a byte of the request went out.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return true }
        if let io = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ECONNRESET].contains(io.errnoCode) {
            // ECONNRESET only counts while connecting: an established request fails differently (remoteConnectionClosed).
            return io.errnoCode != ECONNRESET || io.description.contains("connect")
        }
        // Whatever wraps it, a refused connection was never sent anything.
        return String(describing: error).lowercased().contains("connection refused")
    }

    /// The upstream's address for messages: scheme, host and port only.
    static func host(_ url: String) -> String {
        guard let u = URLComponents(string: url), let host = u.host else { return "the upstream" }
        return "\(u.scheme ?? "http")://\(host)\(u.port.map { ":\($0)" } ?? "")"
    }

    /// The key never leaves in a message, even if an upstream echoes it.
    func redact(_ text: String) -> String {
        guard let apiKey, !apiKey.isEmpty else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    private func seconds(_ t: TimeAmount) -> String {
        let s = Double(t.nanoseconds) / 1e9
        return s == s.rounded() ? String(Int(s)) : String(s)
    }
}
