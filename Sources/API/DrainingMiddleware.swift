import Hummingbird

/// Refuses new work with 503 `server_draining` once a graceful shutdown has
/// begun: a keep-alive connection can still send requests while in-flight
/// ones finish, and a client should retry them on another server rather than
/// start work this one is about to abandon.
struct DrainingMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let state: ServerState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !state.isDraining else {
            var error = APIError(.serverDraining, "The server is shutting down and takes no new requests; retry on another server or shortly.")
            error.headers[.connection] = "close"
            throw error
        }
        return try await next(request, context)
    }
}
