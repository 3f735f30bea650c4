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
        if kind == .llamaCpp, let props = try? await client.json(.GET, base + "/props", timeout: .seconds(10)) as? [String: Any],
           let n = UpstreamJSON.int((props["default_generation_settings"] as? [String: Any])?["n_ctx"]) {
            info.maxModelLength = n
        }
        return info
    }

    static func parse(_ answer: Any, servedModelName: String?) throws -> UpstreamModelInfo {
        guard let data = (answer as? [String: Any])?["data"] as? [[String: Any]] else {
            throw ConfigurationError("its /v1/models answer has no data list")
        }
        let ids = data.compactMap { $0["id"] as? String }
        let entry: [String: Any]
        if let servedModelName {
            guard let e = data.first(where: { $0["id"] as? String == servedModelName }) else {
                throw ConfigurationError("it does not serve \(servedModelName) (it serves \(ids.joined(separator: ", ")))")
            }
            entry = e
        } else {
            guard data.count == 1, let e = data.first else {
                throw ConfigurationError("it serves \(ids.isEmpty ? "no model" : ids.joined(separator: ", ")): set served_model_name")
            }
            entry = e
        }
        let meta = entry["meta"] as? [String: Any]
        return UpstreamModelInfo(
            id: entry["id"] as? String ?? "",
            maxModelLength: UpstreamJSON.int(entry["max_model_len"]) ?? UpstreamJSON.int(meta?["n_ctx_train"]),
            vocabularySize: UpstreamJSON.int(meta?["n_vocab"]))
    }
}
