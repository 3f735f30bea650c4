import Backends
import HTTPTypes
import Hummingbird
import JSONValue

/// An error in OpenAI's shape, with its HTTP status:
/// `{"error": {"message", "type", "param", "code"}}`.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Extra headers (e.g. `Allow` on a 405).
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, message: String, type: String? = nil, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type ?? APIError.defaultType(for: status)
        self.param = param
        self.code = code
    }

    static func defaultType(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400, 405, 413, 422: return "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 502: return "upstream_error"
        case 503: return "service_unavailable_error"
        case 504: return "upstream_timeout_error"
        default: return "internal_server_error"
        }
    }

    /// 499, as nginx records it: the client closed its connection before the
    /// response was complete (its work was cancelled or its stream cut short).
    /// Nobody reads this answer; it is what the usage row, the log and the
    /// metrics record, so that a client leaving is not counted as a server error.
    public static let clientClosedRequest = APIError(
        status: HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"),
        message: "Client closed request: the connection was closed before the response was complete.",
        type: "client_closed_request")

    /// A 400 naming the field at fault.
    public static func invalid(_ message: String, param: String?) -> APIError {
        APIError(status: .badRequest, message: message, param: param)
    }

    public var json: JSON {
        .object([("error", .object([
            ("message", .string(message)),
            ("type", .string(type)),
            ("param", param.json),
            ("code", code.json),
        ]))])
    }

    public var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized)))
    }

    /// Any error as an API error: ours as they are, backend refusals as 400/503, upstream failures as 502/504,
    /// Hummingbird's HTTP errors with their status, anything else as a 500.
    public init(_ error: any Error) {
        switch error {
        case let e as APIError:
            self = e
        case is CancellationError:
            // A request's work is cancelled when its client goes away.
            self = .clientClosedRequest
        case let e as BackendError:
            switch e {
            case .invalidRequest(let message, let param): self = .invalid(message, param: param)
            case .unavailable(let message): self.init(status: .serviceUnavailable, message: message)
            case .failed(let message): self.init(status: .internalServerError, message: message)
            case .upstreamFailure(let message): self.init(status: .badGateway, message: message)
            case .upstreamTimeout(let message): self.init(status: .gatewayTimeout, message: message)
            }
        case let e as HTTPError:
            self.init(status: e.status, message: e.body ?? APIError.defaultMessage(for: e.status))
            if e.status == .unauthorized { code = "invalid_api_key" }
        case let e as any HTTPResponseError:
            self.init(status: e.status, message: APIError.defaultMessage(for: e.status))
        default:
            self.init(status: .internalServerError, message: "Internal server error: \(error)")
        }
    }

    static func defaultMessage(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: return "Not found."
        case 405: return "Method not allowed."
        case 413: return "The request body is too large."
        default: return status.reasonPhrase
        }
    }
}
