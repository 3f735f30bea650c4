import Backends
import HTTPTypes
import Hummingbird
import JSONValue

/// An error in OpenAI's shape, with its HTTP status:
/// `{"error": {"message", "type", "param", "code"}}`.
///
/// Every error has a `code` from `APIErrorCode`, and its status follows from
/// the code, so the two can never disagree and no error goes out without one.
public struct APIError: Error, Sendable, Equatable {
    public var code: APIErrorCode
    public var message: String
    public var type: String
    public var param: String?
    /// Extra headers (e.g. `Allow` on a 405).
    public var headers: HTTPFields = [:]

    public var status: HTTPResponse.Status { code.status }

    public init(_ code: APIErrorCode, _ message: String, param: String? = nil) {
        self.code = code
        self.message = message
        self.type = APIError.type(for: code)
        self.param = param
    }

    /// OpenAI's `type` for a code: by status, as OpenAI groups them.
    static func type(for code: APIErrorCode) -> String {
        if code == .clientClosedRequest { return "client_closed_request" }
        switch code.status.code {
        case 400, 405, 413, 415, 422: return "invalid_request_error"
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
        .clientClosedRequest, "Client closed request: the connection was closed before the response was complete.")

    /// A 400 naming the field at fault.
    public static func invalid(_ message: String, param: String?) -> APIError {
        APIError(.invalidRequest, message, param: param)
    }

    public var json: JSON {
        .object([("error", .object([
            ("message", .string(message)),
            ("type", .string(type)),
            ("param", param.json),
            ("code", .string(code.rawValue)),
        ]))])
    }

    public var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized)))
    }

    /// Any error as an API error: ours as they are, backend refusals with their
    /// codes, Hummingbird's HTTP errors by their status, anything else as a 500
    /// `internal_error`.
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
            case .contextLengthExceeded(let message, let param): self.init(.contextLengthExceeded, message, param: param)
            case .unavailable(let message): self.init(.serviceUnavailable, message)
            case .failed(let message): self.init(.internalError, message)
            case .upstreamFailure(let message): self.init(.upstreamUnreachable, message)
            case .upstreamTimeout(let message): self.init(.upstreamTimeout, message)
            }
        case let e as HTTPError:
            let code = APIErrorCode(httpStatus: e.status)
            self.init(code, e.body ?? APIError.defaultMessage(for: code))
        case let e as any HTTPResponseError:
            let code = APIErrorCode(httpStatus: e.status)
            self.init(code, APIError.defaultMessage(for: code))
        default:
            self.init(.internalError, "Internal server error: \(error)")
        }
    }

    static func defaultMessage(for code: APIErrorCode) -> String {
        switch code {
        case .notFound: return "Not found."
        case .methodNotAllowed: return "Method not allowed."
        case .payloadTooLarge: return "The request body is too large."
        case .unsupportedMediaType: return "Send the request body as JSON with `Content-Type: application/json`."
        default: return code.status.reasonPhrase
        }
    }
}

extension APIErrorCode {
    /// The code for an error that only has an HTTP status (Hummingbird's own
    /// errors): the one code each such status stands for here, and
    /// `internal_error` for any other.
    init(httpStatus status: HTTPResponse.Status) {
        switch status.code {
        case 400: self = .invalidRequest
        case 401: self = .invalidAPIKey
        case 404: self = .notFound
        case 405: self = .methodNotAllowed
        case 413: self = .payloadTooLarge
        case 415: self = .unsupportedMediaType
        case 429: self = .rateLimitExceeded
        case 502: self = .upstreamUnreachable
        case 503: self = .serviceUnavailable
        case 504: self = .upstreamTimeout
        default: self = .internalError
        }
    }
}
