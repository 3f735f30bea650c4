/// Something that completes text for the API: the local engine, or an upstream
/// OpenAI-compatible server (`UpstreamBackend`). The API layer talks only to this protocol,
/// with validated typed requests, and never learns which kind it has.
public protocol Backend: Sendable {
    /// The model this backend serves, as `/v1/models` lists it.
    var descriptor: ModelDescriptor { get }

    /// Token ids of `text`; `addSpecialTokens` adds BOS when the model asks for it.
    func tokenize(_ text: String, addSpecialTokens: Bool) async throws -> [Int]
    /// The text of `tokens`; an id outside the vocabulary is a `BackendError.invalidRequest`.
    func detokenize(_ tokens: [Int], skipSpecialTokens: Bool) async throws -> String
    /// What a client needs to tokenize as the server does.
    func tokenizerInfo() async throws -> TokenizerInfo

    /// Starts a completion request. A request the backend cannot serve (prompt
    /// too long, token id outside the vocabulary...) throws `BackendError` here,
    /// before any work. The stream yields, per choice, its prompt (with prompt
    /// logprobs when asked for), then text deltas with their tokens, then its
    /// finish; after every choice has finished, one `.usage`. A consumer that
    /// stops early (the client went away) calls `cancel()` to stop the work.
    func complete(_ request: CompletionRequest) async throws -> CompletionStream

    /// Exact log-likelihoods of continuations after contexts.
    func score(_ request: ScoreRequest) async throws -> ScoreResult

    /// How busy the backend is now (for metrics).
    var load: BackendLoad { get }
}

/// A backend's work in progress, sampled for metrics.
public struct BackendLoad: Sendable, Equatable {
    /// Jobs waiting or running.
    public var jobs: Int
    /// Bytes of KV cache those jobs hold (0 where the backend cannot tell).
    public var kvCacheBytes: Int

    public init(jobs: Int = 0, kvCacheBytes: Int = 0) {
        self.jobs = jobs
        self.kvCacheBytes = kvCacheBytes
    }

    public static func + (a: BackendLoad, b: BackendLoad) -> BackendLoad {
        BackendLoad(jobs: a.jobs + b.jobs, kvCacheBytes: a.kvCacheBytes + b.kvCacheBytes)
    }
}

/// A served model.
public struct ModelDescriptor: Sendable, Equatable {
    public var name: String
    /// Prompt plus generated tokens may not exceed this.
    public var maxModelLength: Int
    public var vocabularySize: Int
    /// Unix time the model was loaded.
    public var created: Int
    public var ownedBy: String
    public var capabilities: Capabilities
    /// Where the model runs: in this process, or on an upstream server.
    public var kind: Kind
    /// The network's shape, where BaseServe knows it (always for local models).
    public var layerCount: Int?
    public var hiddenSize: Int?
    /// The local model file's SHA-256 and quantization; nil for upstream models.
    public var fingerprint: ModelFingerprint?
    /// `system_fingerprint` of every response from this model: the engine's
    /// numerics and the model file's SHA-256 (nil for upstream models, whose
    /// numbers BaseServe does not compute).
    public var systemFingerprint: String?

    public enum Kind: String, Sendable, Equatable {
        case local
        case upstream
    }

    public struct Capabilities: Sendable, Equatable {
        public var promptLogprobs: Bool
        public var echo: Bool
        public var scoring: Bool
        public var tokenization: Bool
        public init(promptLogprobs: Bool = true, echo: Bool = true, scoring: Bool = true, tokenization: Bool = true) {
            self.promptLogprobs = promptLogprobs
            self.echo = echo
            self.scoring = scoring
            self.tokenization = tokenization
        }
    }

    public init(name: String, maxModelLength: Int, vocabularySize: Int, created: Int, ownedBy: String = "baseserve",
                capabilities: Capabilities = Capabilities(), kind: Kind = .local, layerCount: Int? = nil,
                hiddenSize: Int? = nil, fingerprint: ModelFingerprint? = nil, systemFingerprint: String? = nil) {
        self.name = name
        self.maxModelLength = maxModelLength
        self.vocabularySize = vocabularySize
        self.created = created
        self.ownedBy = ownedBy
        self.capabilities = capabilities
        self.kind = kind
        self.layerCount = layerCount
        self.hiddenSize = hiddenSize
        self.fingerprint = fingerprint
        self.systemFingerprint = systemFingerprint
    }
}

public struct TokenizerInfo: Sendable, Equatable {
    public var tokenizerClass: String
    public var bosToken: String?
    public var bosTokenId: Int?
    public var eosToken: String?
    public var eosTokenId: Int?
    public var addsBOS: Bool
    public var vocabularySize: Int
    public var modelMaxLength: Int

    public init(tokenizerClass: String, bosToken: String?, bosTokenId: Int?, eosToken: String?, eosTokenId: Int?,
                addsBOS: Bool, vocabularySize: Int, modelMaxLength: Int) {
        self.tokenizerClass = tokenizerClass
        self.bosToken = bosToken
        self.bosTokenId = bosTokenId
        self.eosToken = eosToken
        self.eosTokenId = eosTokenId
        self.addsBOS = addsBOS
        self.vocabularySize = vocabularySize
        self.modelMaxLength = modelMaxLength
    }
}

/// Why a backend refused or failed a request; the API turns it into an HTTP error.
public enum BackendError: Error, Sendable, Equatable {
    /// The request cannot be served as asked (400), naming the field at fault.
    case invalidRequest(String, param: String?)
    /// The prompt, or the prompt with the tokens asked for, does not fit the
    /// model's context (400), naming the field to shorten.
    case contextLengthExceeded(String, param: String?)
    /// The backend failed (500); a bug or an upstream failure.
    case failed(String)
    /// The backend is stopping or overloaded (503).
    case unavailable(String)
    /// An upstream server failed, refused BaseServe's credentials, or could not
    /// be reached (502). The message never holds the upstream's API key.
    case upstreamFailure(String)
    /// An upstream server did not answer within its configured time (504).
    case upstreamTimeout(String)
}

/// The events of one completion request, and a way to stop its work early.
/// Merely dropping an `AsyncThrowingStream` does not reach its producer (which
/// holds the continuation), so consumers call `cancel()` when they stop reading.
public struct CompletionStream: AsyncSequence, Sendable {
    public typealias Element = CompletionEvent
    public let events: AsyncThrowingStream<CompletionEvent, any Error>
    private let onCancel: @Sendable () -> Void

    public init(events: AsyncThrowingStream<CompletionEvent, any Error>, onCancel: @escaping @Sendable () -> Void) {
        self.events = events
        self.onCancel = onCancel
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<CompletionEvent, any Error>.AsyncIterator {
        events.makeAsyncIterator()
    }

    /// Stops the work behind the stream; harmless once it has finished.
    public func cancel() { onCancel() }
}
