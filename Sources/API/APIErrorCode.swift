import HTTPTypes

/// The stable, machine-readable `code` of every error body, one table for the
/// whole API. Clients branch on these, so a code is never renamed or reused for
/// something else; the user guide's error table is checked against `allCases`.
///
/// Where OpenAI has a code for the same case (`invalid_api_key`,
/// `model_not_found`, `rate_limit_exceeded`, `context_length_exceeded`) it is
/// the same string, so clients written against OpenAI keep working.
public enum APIErrorCode: String, Sendable, CaseIterable {
    /// A malformed or out-of-range request; `param` names the field.
    case invalidRequest = "invalid_request"
    /// A field BaseServe does not know (often a typo such as `temprature`).
    case unknownParameter = "unknown_parameter"
    /// A known vLLM or OpenAI field that BaseServe does not implement.
    case unsupportedParameter = "unsupported_parameter"
    /// A body sent with a media type other than `application/json`.
    case unsupportedMediaType = "unsupported_media_type"
    /// The prompt plus the requested tokens do not fit the model's context.
    case contextLengthExceeded = "context_length_exceeded"
    /// The body is larger than the server accepts.
    case payloadTooLarge = "payload_too_large"
    /// No such route, or no such object.
    case notFound = "not_found"
    /// The route exists but not with this method.
    case methodNotAllowed = "method_not_allowed"
    /// No such model on this server.
    case modelNotFound = "model_not_found"
    /// Missing, malformed, unknown, expired or revoked API key (or a suspended account).
    case invalidAPIKey = "invalid_api_key"
    /// The key is paused by its owner or an admin; resuming it restores it.
    case keyPaused = "key_paused"
    /// The key may not use this model.
    case modelNotAllowed = "model_not_allowed"
    /// A monthly or daily token budget is spent; retrying before it resets will not help.
    case budgetExceeded = "budget_exceeded"
    /// A per-minute or per-day rate limit; `Retry-After` says when to retry.
    case rateLimitExceeded = "rate_limit_exceeded"
    /// The key already has its maximum of running and waiting requests.
    case queueFull = "queue_full"
    /// An upstream model server could not be reached or answered with an error.
    case upstreamUnreachable = "upstream_unreachable"
    /// An upstream model server did not answer in time.
    case upstreamTimeout = "upstream_timeout"
    /// The server is shutting down and takes no new work.
    case serverDraining = "server_draining"
    /// A part the request needs (the access database, a model) is unavailable for now.
    case serviceUnavailable = "service_unavailable"
    /// The client closed the connection first (recorded as 499; nobody reads the body).
    case clientClosedRequest = "client_closed_request"
    /// A bug in BaseServe. Please report it with the `X-Request-Id`.
    case internalError = "internal_error"

    /// The HTTP status this code is sent with.
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidRequest, .unknownParameter, .unsupportedParameter, .contextLengthExceeded: return .badRequest
        case .unsupportedMediaType: return .unsupportedMediaType
        case .payloadTooLarge: return .contentTooLarge
        case .notFound, .modelNotFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .invalidAPIKey, .keyPaused: return .unauthorized
        case .modelNotAllowed: return .forbidden
        case .budgetExceeded, .rateLimitExceeded, .queueFull: return .tooManyRequests
        case .upstreamUnreachable: return .badGateway
        case .upstreamTimeout: return .gatewayTimeout
        case .serverDraining, .serviceUnavailable: return .serviceUnavailable
        case .clientClosedRequest: return HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        case .internalError: return .internalServerError
        }
    }
}
