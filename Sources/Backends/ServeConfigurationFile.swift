import Foundation

/// A configuration file's mistake, as one sentence for the operator.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}

/// The models `baseserve serve --config FILE` serves, read from a TOML file:
///
/// ```toml
/// [[model]]                      # a local GGUF file, run by the embedded engine
/// name = "smollm2"
/// path = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
///
/// [[model]]                      # a model served by vLLM on other machines
/// name = "llama-70b"
/// kind = "vllm"                  # vllm | llama.cpp | openai
/// urls = ["http://gpu1:8000", "http://gpu2:8000"]
/// api_key_env = "LLAMA_70B_KEY"  # or api_key = "..."
/// served_model_name = "meta-llama/Llama-3.1-70B"
/// max_model_len = 8192           # else read from the upstream's /v1/models
/// timeout_seconds = 600
/// capabilities = { prompt_logprobs = true, echo = true, tokenize = true }
/// ```
///
/// A `[[model]]` with `path` is local; one with `urls` (or `url`) is an upstream.
/// Unknown keys are errors, so that a misspelt setting is not silently ignored.
public struct ServeConfigurationFile: Sendable, Equatable {
    public struct LocalModel: Sendable, Equatable {
        /// nil: named after the file, as `--model PATH` is.
        public var name: String?
        public var path: String
    }

    public var localModels: [LocalModel] = []
    public var upstreams: [UpstreamConfiguration] = []

    public init(localModels: [LocalModel] = [], upstreams: [UpstreamConfiguration] = []) {
        self.localModels = localModels
        self.upstreams = upstreams
    }

    static let localKeys: Set<String> = ["name", "path"]
    static let upstreamKeys: Set<String> = [
        "name", "url", "urls", "kind", "api_key", "api_key_env", "served_model_name", "max_model_len", "vocab_size",
        "timeout_seconds", "connect_timeout_seconds", "health_check_seconds", "health_path", "capabilities",
    ]
    static let capabilityKeys: Set<String> = ["prompt_logprobs", "echo", "tokenize"]

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ServeConfigurationFile
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read the configuration file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("the configuration file \(path) is not UTF-8")
        }
        do {
            return try parse(text, environment: environment)
        } catch let error as TOMLError {
            throw ConfigurationError("\(path): \(error)")
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error)")
        }
    }

    public static func parse(_ text: String, environment: [String: String] = [:]) throws -> ServeConfigurationFile {
        let root = try TOMLSubset.parse(text)
        if let extra = root.keys.first(where: { $0 != "model" }) {
            throw ConfigurationError("unknown setting \(extra): the file holds [[model]] tables")
        }
        var file = ServeConfigurationFile()
        guard let models = root["model"] else { return file }
        guard case .array(let entries) = models else { throw ConfigurationError("model must be a list of [[model]] tables") }
        for (n, entry) in entries.enumerated() {
            guard case .table(let t) = entry else { throw ConfigurationError("model must be a list of [[model]] tables") }
            let reader = TableReader(table: t, place: "model \(n + 1)")
            if t["path"] != nil {
                try reader.onlyKeys(localKeys, what: "a local model (one with path)")
                file.localModels.append(LocalModel(name: try reader.string("name"), path: try reader.string("path")!))
            } else if t["urls"] != nil || t["url"] != nil {
                try reader.onlyKeys(upstreamKeys, what: "an upstream model (one with urls)")
                file.upstreams.append(try upstream(reader, environment: environment))
            } else {
                throw ConfigurationError("\(reader.place) needs either path (a local GGUF file) or urls (upstream servers)")
            }
        }
        return file
    }

    private static func upstream(_ r: TableReader, environment: [String: String]) throws -> UpstreamConfiguration {
        guard let name = try r.string("name") else { throw ConfigurationError("\(r.place): an upstream model needs a name") }
        let place = "model \(name)"
        var urls = try r.stringList("urls") ?? []
        if let url = try r.string("url") { urls.insert(url, at: 0) }
        let kindName = try r.string("kind") ?? UpstreamKind.vllm.rawValue
        guard let kind = UpstreamKind(rawValue: kindName) else {
            throw ConfigurationError("\(place): kind \(kindName) is not one of vllm, llama.cpp, openai")
        }
        var apiKey = try r.string("api_key")
        if let variable = try r.string("api_key_env") {
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigurationError("\(place): api_key_env names \(variable), which is not set")
            }
            apiKey = value
        }
        var capabilities = kind.defaultCapabilities
        if let c = r.table["capabilities"] {
            guard case .table(let ct) = c else { throw ConfigurationError("\(place): capabilities must be a table") }
            let cr = TableReader(table: ct, place: "\(place) capabilities")
            try cr.onlyKeys(capabilityKeys, what: "capabilities")
            capabilities.promptLogprobs = try cr.bool("prompt_logprobs") ?? capabilities.promptLogprobs
            capabilities.echo = try cr.bool("echo") ?? capabilities.echo
            capabilities.tokenize = try cr.bool("tokenize") ?? capabilities.tokenize
        }
        var u = UpstreamConfiguration(name: name, urls: urls, kind: kind, apiKey: apiKey,
                                      servedModelName: try r.string("served_model_name"), capabilities: capabilities)
        u.maxModelLength = try r.int("max_model_len")
        u.vocabularySize = try r.int("vocab_size")
        u.timeoutSeconds = try r.number("timeout_seconds") ?? u.timeoutSeconds
        u.connectTimeoutSeconds = try r.number("connect_timeout_seconds") ?? u.connectTimeoutSeconds
        u.healthCheckSeconds = try r.number("health_check_seconds") ?? u.healthCheckSeconds
        u.healthPath = try r.string("health_path") ?? u.healthPath
        if let problem = u.problem() { throw ConfigurationError(problem) }
        return u
    }
}

/// Typed reads from one TOML table, with errors that name the place and key.
private struct TableReader {
    let table: [String: TOMLValue]
    let place: String

    func onlyKeys(_ allowed: Set<String>, what: String) throws {
        if let bad = table.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ConfigurationError("\(place): \(bad) is not a setting of \(what); known: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    private func wrong(_ key: String, _ expected: String, _ v: TOMLValue) -> ConfigurationError {
        ConfigurationError("\(place): \(key) must be \(expected), not \(v.typeName)")
    }

    func string(_ key: String) throws -> String? {
        guard let v = table[key] else { return nil }
        guard case .string(let s) = v else { throw wrong(key, "a string", v) }
        return s
    }

    func stringList(_ key: String) throws -> [String]? {
        guard let v = table[key] else { return nil }
        guard case .array(let items) = v else { throw wrong(key, "a list of strings", v) }
        return try items.map { item in
            guard case .string(let s) = item else { throw wrong(key, "a list of strings", item) }
            return s
        }
    }

    func int(_ key: String) throws -> Int? {
        guard let v = table[key] else { return nil }
        guard case .integer(let n) = v else { throw wrong(key, "an integer", v) }
        return n
    }

    func number(_ key: String) throws -> Double? {
        guard let v = table[key] else { return nil }
        switch v {
        case .integer(let n): return Double(n)
        case .float(let x): return x
        default: throw wrong(key, "a number", v)
        }
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = table[key] else { return nil }
        guard case .bool(let b) = v else { throw wrong(key, "true or false", v) }
        return b
    }
}
