import Foundation

/// Which server software answers at an upstream's URLs. It decides the request
/// fields BaseServe may send, the tokenizer routes' field names, and the
/// capabilities assumed when the configuration does not state them.
public enum UpstreamKind: String, Sendable, Equatable, CaseIterable {
    /// vLLM's OpenAI-compatible server (or another BaseServe): every field we have.
    case vllm
    /// llama.cpp's `llama-server`: no prompt logprobs, no echo, one choice per prompt.
    case llamaCpp = "llama.cpp"
    /// Any other OpenAI-compatible server: only OpenAI's own completion fields.
    case openai

    public var defaultCapabilities: UpstreamCapabilities {
        switch self {
        case .vllm: return UpstreamCapabilities(promptLogprobs: true, echo: true, tokenize: true)
        case .llamaCpp: return UpstreamCapabilities(promptLogprobs: false, echo: false, tokenize: true)
        case .openai: return UpstreamCapabilities(promptLogprobs: false, echo: false, tokenize: false)
        }
    }

    /// The path probed by the health check: OpenAI-style servers need not have `/health`.
    public var defaultHealthPath: String { self == .openai ? "/v1/models" : "/health" }
}

/// What an upstream can do beyond plain generation. A request that needs a
/// missing capability is refused with a 400 rather than answered differently.
public struct UpstreamCapabilities: Sendable, Equatable {
    /// Returns `prompt_logprobs` (vLLM's extension, with ranks).
    public var promptLogprobs: Bool
    /// Returns prompt logprobs for `echo: true` with `logprobs` (used for scoring
    /// when `prompt_logprobs` is missing).
    public var echo: Bool
    /// Has `/tokenize` and `/detokenize`.
    public var tokenize: Bool

    public init(promptLogprobs: Bool, echo: Bool, tokenize: Bool) {
        self.promptLogprobs = promptLogprobs
        self.echo = echo
        self.tokenize = tokenize
    }
}

/// One model served by other servers: where they are, how to authenticate to
/// them, and what they can do.
public struct UpstreamConfiguration: Sendable, Equatable {
    /// The name members use in `model`.
    public var name: String
    /// Base URLs of the replicas (`http://host:8000`; a trailing `/v1` is dropped).
    public var urls: [String]
    /// Sent as `Authorization: Bearer` to the upstream only.
    public var apiKey: String?
    /// The upstream's own name for the model; nil: the only model its `/v1/models` lists.
    public var servedModelName: String?
    public var kind: UpstreamKind
    public var capabilities: UpstreamCapabilities
    /// nil: read from the upstream's `/v1/models` at start.
    public var maxModelLength: Int?
    /// nil: read from the upstream at start where it says (else unknown, 0).
    public var vocabularySize: Int?
    /// Longest time one upstream request may take, from sending to the last byte.
    public var timeoutSeconds: Double = 600
    /// Longest time to open a connection to a replica before trying another.
    public var connectTimeoutSeconds: Double = 2
    /// Time between health checks of each replica.
    public var healthCheckSeconds: Double = 5
    public var healthPath: String

    public init(name: String, urls: [String], kind: UpstreamKind = .vllm, apiKey: String? = nil,
                servedModelName: String? = nil, capabilities: UpstreamCapabilities? = nil) {
        self.name = name
        self.urls = urls.map(Self.normalizedURL)
        self.kind = kind
        self.apiKey = apiKey
        self.servedModelName = servedModelName
        self.capabilities = capabilities ?? kind.defaultCapabilities
        healthPath = kind.defaultHealthPath
    }

    /// `http://host:8000/v1/` -> `http://host:8000`: routes are appended to the base.
    static func normalizedURL(_ url: String) -> String {
        var u = url.trimmingCharacters(in: .whitespaces)
        while u.hasSuffix("/") { u.removeLast() }
        if u.hasSuffix("/v1") { u.removeLast(3) }
        return u
    }

    /// A one-sentence reason this configuration cannot work, or nil.
    public func problem() -> String? {
        if name.isEmpty { return "an upstream model needs a name" }
        if urls.isEmpty { return "upstream model \(name) needs at least one URL" }
        for url in urls {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
                  parsed.host != nil
            else { return "upstream model \(name): \(url) is not an http:// or https:// URL" }
        }
        if Set(urls).count != urls.count { return "upstream model \(name) lists a URL twice" }
        if let m = maxModelLength, m < 1 { return "upstream model \(name): max_model_len must be at least 1" }
        if !(timeoutSeconds > 0) { return "upstream model \(name): timeout_seconds must be positive" }
        if !(connectTimeoutSeconds > 0) { return "upstream model \(name): connect_timeout_seconds must be positive" }
        if !(healthCheckSeconds > 0) { return "upstream model \(name): health_check_seconds must be positive" }
        if !healthPath.hasPrefix("/") { return "upstream model \(name): health_path must start with /" }
        return nil
    }
}
