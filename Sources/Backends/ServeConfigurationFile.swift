import Foundation
import TOMLKit

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
    static let upstreamKeys: Set<String> = Set(ModelTable.CodingKeys.allCases.map(\.rawValue)).subtracting(["path"])
    static let capabilityKeys: Set<String> = Set(CapabilityTable.CodingKeys.allCases.map(\.rawValue))

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
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error)")
        }
    }

    /// Reads the file with TOMLKit: the TOML syntax first (errors name the line),
    /// then the keys of every table against the settings that exist (a misspelt
    /// one names its model), then the values into `FileTable`'s types.
    public static func parse(_ text: String, environment: [String: String] = [:]) throws -> ServeConfigurationFile {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        }
        try checkKeys(root)
        let table: FileTable
        do {
            table = try TOMLDecoder().decode(FileTable.self, from: root)
        } catch let error as DecodingError {
            throw ConfigurationError(describe(error))
        }
        var file = ServeConfigurationFile()
        for (n, model) in (table.model ?? []).enumerated() {
            let place = "model \(n + 1)"
            if let path = model.path {
                file.localModels.append(LocalModel(name: model.name, path: path))
            } else if model.urls != nil || model.url != nil {
                file.upstreams.append(try upstream(model, place: place, environment: environment))
            } else {
                throw ConfigurationError("\(place) needs either path (a local GGUF file) or urls (upstream servers)")
            }
        }
        return file
    }

    /// Unknown keys are errors: a setting spelt wrong must not be silently ignored.
    private static func checkKeys(_ root: TOMLTable) throws {
        if let extra = root.keys.sorted().first(where: { $0 != "model" }) {
            throw ConfigurationError("unknown setting \(extra): the file holds [[model]] tables")
        }
        guard let models = root["model"] else { return }
        guard let entries = models.array else { throw ConfigurationError("model must be a list of [[model]] tables") }
        for (n, entry) in entries.enumerated() {
            guard let t = entry.table else { throw ConfigurationError("model must be a list of [[model]] tables") }
            let place = "model \(n + 1)"
            let isLocal = t.contains(key: "path")
            try onlyKeys(t, isLocal ? localKeys : upstreamKeys, place: place,
                         what: isLocal ? "a local model (one with path)" : "an upstream model (one with urls)")
            if let capabilities = t["capabilities"]?.table {
                try onlyKeys(capabilities, capabilityKeys, place: "\(place) capabilities", what: "capabilities")
            }
        }
    }

    private static func onlyKeys(_ table: TOMLTable, _ allowed: Set<String>, place: String, what: String) throws {
        if let bad = table.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ConfigurationError("\(place): \(bad) is not a setting of \(what); known: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// A value of the wrong type, as "model 2: max_model_len must be an integer".
    private static func describe(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        @unknown default: return "\(error)"
        }
        let index = path.compactMap(\.intValue).first
        let key = path.last(where: { $0.intValue == nil && $0.stringValue != "model" })?.stringValue ?? "model"
        let place = index.map { "model \($0 + 1): " } ?? ""
        return "\(place)\(key) must be \(expectedType[key] ?? "a value of another type")"
    }

    private static let expectedType: [String: String] = [
        "name": "a string", "path": "a string", "url": "a string", "urls": "a list of strings", "kind": "a string",
        "api_key": "a string", "api_key_env": "a string", "served_model_name": "a string", "health_path": "a string",
        "max_model_len": "an integer", "vocab_size": "an integer", "timeout_seconds": "a number",
        "connect_timeout_seconds": "a number", "health_check_seconds": "a number", "capabilities": "a table",
        "prompt_logprobs": "true or false", "echo": "true or false", "tokenize": "true or false",
        "model": "a list of [[model]] tables",
    ]

    private static func upstream(_ m: ModelTable, place: String, environment: [String: String]) throws -> UpstreamConfiguration {
        guard let name = m.name else { throw ConfigurationError("\(place): an upstream model needs a name") }
        let place = "model \(name)"
        var urls = m.urls ?? []
        if let url = m.url { urls.insert(url, at: 0) }
        let kindName = m.kind ?? UpstreamKind.vllm.rawValue
        guard let kind = UpstreamKind(rawValue: kindName) else {
            throw ConfigurationError("\(place): kind \(kindName) is not one of vllm, llama.cpp, openai")
        }
        var apiKey = m.apiKey
        if let variable = m.apiKeyEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigurationError("\(place): api_key_env names \(variable), which is not set")
            }
            apiKey = value
        }
        var capabilities = kind.defaultCapabilities
        if let c = m.capabilities {
            capabilities.promptLogprobs = c.promptLogprobs ?? capabilities.promptLogprobs
            capabilities.echo = c.echo ?? capabilities.echo
            capabilities.tokenize = c.tokenize ?? capabilities.tokenize
        }
        var u = UpstreamConfiguration(name: name, urls: urls, kind: kind, apiKey: apiKey,
                                      servedModelName: m.servedModelName, capabilities: capabilities)
        u.maxModelLength = m.maxModelLength
        u.vocabularySize = m.vocabularySize
        u.timeoutSeconds = m.timeoutSeconds?.value ?? u.timeoutSeconds
        u.connectTimeoutSeconds = m.connectTimeoutSeconds?.value ?? u.connectTimeoutSeconds
        u.healthCheckSeconds = m.healthCheckSeconds?.value ?? u.healthCheckSeconds
        u.healthPath = m.healthPath ?? u.healthPath
        if let problem = u.problem() { throw ConfigurationError(problem) }
        return u
    }
}

/// The file as TOML tables: `[[model]]` entries, each local (with `path`) or
/// an upstream (with `urls`); which keys each may have is checked before decoding.
struct FileTable: Decodable {
    var model: [ModelTable]?
}

struct ModelTable: Decodable {
    var name: String?
    var path: String?
    var url: String?
    var urls: [String]?
    var kind: String?
    var apiKey: String?
    var apiKeyEnv: String?
    var servedModelName: String?
    var maxModelLength: Int?
    var vocabularySize: Int?
    var timeoutSeconds: Seconds?
    var connectTimeoutSeconds: Seconds?
    var healthCheckSeconds: Seconds?
    var healthPath: String?
    var capabilities: CapabilityTable?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, path, url, urls, kind
        case apiKey = "api_key", apiKeyEnv = "api_key_env", servedModelName = "served_model_name"
        case maxModelLength = "max_model_len", vocabularySize = "vocab_size"
        case timeoutSeconds = "timeout_seconds", connectTimeoutSeconds = "connect_timeout_seconds"
        case healthCheckSeconds = "health_check_seconds", healthPath = "health_path", capabilities
    }
}

struct CapabilityTable: Decodable {
    var promptLogprobs: Bool?
    var echo: Bool?
    var tokenize: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case promptLogprobs = "prompt_logprobs", echo, tokenize
    }
}

/// A duration in seconds, written as an integer (`30`) or a float (`0.5`).
struct Seconds: Decodable {
    var value: Double

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let whole = try? container.decode(Int.self) { value = Double(whole); return }
        value = try container.decode(Double.self)
    }
}
