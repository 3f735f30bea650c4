import JSONValue
import NIOCore

/// What an upstream's `/v1/models` says of the model BaseServe will send it
/// requests for: its id, context length and, where told, vocabulary size.
struct UpstreamModelInfo {
    var id: String
    var maxModelLength: Int?
    var vocabularySize: Int?

    static func fetch(client: UpstreamClient, base: String, kind: UpstreamKind, servedModelName: String?) async throws
        -> UpstreamModelInfo
    {
        let answer = try await client.json(.GET, base + "/v1/models", timeout: .seconds(10))
        var info = try parse(answer, servedModelName: servedModelName)
        // llama-server's /v1/models gives the training context; /props the one it runs with.
        if kind == .llamaCpp, let props = try? await client.json(.GET, base + "/props", timeout: .seconds(10)),
           let n = props["default_generation_settings"]?["n_ctx"]?.intValue {
            info.maxModelLength = n
        }
        return info
    }

    static func parse(_ answer: JSON, servedModelName: String?) throws -> UpstreamModelInfo {
        guard let data = answer["data"]?.arrayValue, data.allSatisfy({ $0.members != nil }) else {
            throw ConfigurationError("its /v1/models answer has no data list")
        }
        let ids = data.compactMap { $0["id"]?.stringValue }
        let entry: JSON
        if let servedModelName {
            guard let e = data.first(where: { $0["id"]?.stringValue == servedModelName }) else {
                throw ConfigurationError("it does not serve \(servedModelName) (it serves \(ids.joined(separator: ", ")))")
            }
            entry = e
        } else {
            guard data.count == 1, let e = data.first else {
                throw ConfigurationError("it serves \(ids.isEmpty ? "no model" : ids.joined(separator: ", ")): set served_model_name")
            }
            entry = e
        }
        let meta = entry["meta"]
        return UpstreamModelInfo(
            id: entry["id"]?.stringValue ?? "",
            maxModelLength: entry["max_model_len"]?.intValue ?? meta?["n_ctx_train"]?.intValue,
            vocabularySize: meta?["n_vocab"]?.intValue)
    }
}
