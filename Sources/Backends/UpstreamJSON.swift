import Foundation

/// Reading and writing the upstream's JSON with Foundation's serializer: the
/// Backends module sits below the API's own JSON type.
enum UpstreamJSON {
    static func encode(_ object: [String: Any]) -> Data {
        // Every value put in is a string, number, boolean, null, list or object.
        (try? JSONSerialization.data(withJSONObject: object, options: [])) ?? Data("{}".utf8)
    }

    static func decode(_ bytes: some Sequence<UInt8>) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// A float as the decimal a person would write (0.7, not 0.699999988).
    static func number(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    // No `is Bool` test: on Linux every NSNumber passes it, and no field read as a number is a boolean.
    static func int(_ v: Any?) -> Int? {
        guard let n = v as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    static func double(_ v: Any?) -> Double? {
        guard let n = v as? NSNumber else { return nil }
        return n.doubleValue
    }

    static func ints(_ v: Any?) -> [Int]? {
        guard let list = v as? [Any] else { return nil }
        let ids = list.compactMap(int)
        return ids.count == list.count ? ids : nil
    }

    /// The message (and param) of an error body in OpenAI's shape, llama.cpp's,
    /// or FastAPI's `{"detail": ...}`.
    static func errorMessage(_ body: Any?) -> (message: String, param: String?)? {
        guard let object = body as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
            return (message, error["param"] as? String)
        }
        if let message = object["error"] as? String { return (message, nil) }
        if let message = object["message"] as? String { return (message, nil) }
        if let detail = object["detail"] as? String { return (detail, nil) }
        if let details = object["detail"] as? [[String: Any]], let first = details.first,
           let message = first["msg"] as? String {
            let location = (first["loc"] as? [Any])?.last as? String
            return (location.map { "\($0): \(message)" } ?? message, location)
        }
        return nil
    }
}
