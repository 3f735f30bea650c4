import Hummingbird

extension Request {
    /// The body as JSON: 413 past `limit` bytes, 400 when it is not JSON.
    func jsonBody(limit: Int) async throws -> JSON {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(status: .contentTooLarge, message: "The request body is larger than the server's limit of \(limit) bytes.")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.invalid("The request body is empty: send a JSON object.", param: nil)
        }
        guard let json = JSON.parse(buffer.readableBytesView) else {
            throw APIError.invalid("The request body is not valid JSON (or not UTF-8).", param: nil)
        }
        return json
    }
}
