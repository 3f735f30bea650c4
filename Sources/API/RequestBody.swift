import Foundation
import Hummingbird
import JSONValue

extension Request {
    /// The body as JSON: 415 unless sent as JSON, 413 past `limit` bytes, 400
    /// when it is not JSON.
    public func jsonBody(limit: Int) async throws -> JSON {
        try checkContentType()
        return try await JSON.decodeBody(body, limit: limit)
    }

    /// The body must be declared as `application/json`, as vLLM requires: a form
    /// (what `curl -d` sends without `-H 'Content-Type: application/json'`) or
    /// a body with no `Content-Type` at all is a 415, not guessed at.
    ///
    /// JSON between systems is UTF-8 (RFC 8259), and the body is read as UTF-8;
    /// a `Content-Type` that declares another charset is refused rather than misread.
    func checkContentType() throws {
        let contentType = headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            let sent = contentType.isEmpty ? "no Content-Type" : "Content-Type `\(contentType)`"
            throw APIError(.unsupportedMediaType,
                           "Unsupported media type: the body was sent with \(sent); send JSON with `Content-Type: application/json`.")
        }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "charset" else { continue }
            let charset = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
            guard charset == "utf-8" || charset == "utf8" else {
                throw APIError.invalid("The request's Content-Type declares charset \(pair[1]): send JSON as UTF-8 (charset=utf-8, or none).", param: nil)
            }
        }
    }

    /// Reads the JSON body and runs `work` on it. When `cancelOnDisconnect` is
    /// set, a client that closes its connection cancels `work` at once, so the
    /// engine stops on a request nobody will read (the connection is then closed
    /// after the response rather than kept alive). In-process tests turn it off:
    /// their requests have no connection to watch.
    func handlingJSON(limit: Int, cancelOnDisconnect: Bool,
                      _ work: (JSON) async throws -> Response) async throws -> Response {
        guard cancelOnDisconnect else { return try await work(try await jsonBody(limit: limit)) }
        try checkContentType()
        // Watching the connection means closing it after the response: say so,
        // error responses included, or a client would send its next request on
        // a connection being closed.
        do {
            var response = try await body.consumeWithCancellationOnInboundClose { body in
                try await work(try await JSON.decodeBody(body, limit: limit))
            }
            response.headers[.connection] = "close"
            return response
        } catch {
            var apiError = APIError(error)
            apiError.headers[.connection] = "close"
            throw apiError
        }
    }
}

extension JSON {
    static func decodeBody(_ body: RequestBody, limit: Int) async throws -> JSON {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.payloadTooLarge, "The request body is larger than the server's limit of \(limit) bytes.")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.invalid("The request body is empty: send a JSON object.", param: nil)
        }
        do throws(JSONReader.Failure) {
            return try JSONReader.read(buffer.readableBytesView)
        } catch {
            throw APIError.invalid(error.message, param: error.param)
        }
    }
}
