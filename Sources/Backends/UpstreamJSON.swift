import JSONValue
import NIOCore

/// The upstream's JSON, read and written with BaseServe's own `JSON` type.
enum UpstreamJSON {
    static func encode(_ body: JSON) -> ByteBuffer {
        ByteBuffer(string: body.serialized)
    }

    /// The value an upstream sent; nil when it is not JSON. Read with the same
    /// reader as request bodies, whose refusals (UTF-16, a key twice) no
    /// OpenAI-compatible server's answer needs.
    static func decode(_ bytes: some Collection<UInt8>) -> JSON? {
        JSON.parse(bytes)
    }

    /// The message (and param) of an error body in OpenAI's shape, llama.cpp's,
    /// or FastAPI's `{"detail": ...}`.
    static func errorMessage(_ body: JSON?) -> (message: String, param: String?)? {
        guard let object = body, object.members != nil else { return nil }
        if let error = object["error"], let message = error["message"]?.stringValue {
            return (message, error["param"]?.stringValue)
        }
        if let message = object["error"]?.stringValue { return (message, nil) }
        if let message = object["message"]?.stringValue { return (message, nil) }
        if let detail = object["detail"]?.stringValue { return (detail, nil) }
        if let first = object["detail"]?.arrayValue?.first, let message = first["msg"]?.stringValue {
            let location = first["loc"]?.arrayValue?.last?.stringValue
            return (location.map { "\($0): \(message)" } ?? message, location)
        }
        return nil
    }
}
