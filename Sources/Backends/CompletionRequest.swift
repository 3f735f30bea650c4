import Engine

/// A prompt as text or as token ids.
public enum PromptInput: Sendable, Equatable {
    case text(String)
    case tokens([Int])
}

/// A validated completion request: every field has its final type and a value
/// in range. Ranges that depend on the model (context length, vocabulary) are
/// checked by the backend.
public struct CompletionRequest: Sendable, Equatable {
    /// One or more prompts; each gets `n` choices, numbered prompt-major.
    public var prompts: [PromptInput]
    public var n: Int = 1
    /// A batch line waits behind people's requests for the engine.
    public var priority: RequestPriority = .interactive
    /// Tokens to generate; nil means as many as the context leaves.
    public var maxTokens: Int? = 16
    /// The choice's text starts with the prompt, and its logprobs cover the prompt.
    public var echo: Bool = false
    /// Alternatives per generated token; nil: no logprobs.
    public var logprobs: Int?
    /// Top-k per prompt position; nil: none.
    public var promptLogprobs: Int?

    public var temperature: Float = 1
    public var topP: Float = 1
    public var topK: Int = 0
    public var minP: Float = 0
    public var seed: UInt64?
    public var presencePenalty: Float = 0
    public var frequencyPenalty: Float = 0
    public var repetitionPenalty: Float = 1
    /// Token id -> bias, already clamped to -100...100.
    public var logitBias: [Int: Float] = [:]
    /// Only these token ids may be sampled; nil: any.
    public var allowedTokenIds: [Int]?
    /// The temperature prompt logprobs are computed at (vLLM's
    /// `prompt_logprobs_temperature`); 1: the model's own distribution.
    public var promptLogprobsTemperature: Float = 1
    public var minTokens: Int = 0
    public var ignoreEOS: Bool = false
    /// The entropy of the whole distribution at every prompt position and
    /// generated token (local models only: the API refuses it for upstream ones).
    public var returnEntropy = false
    /// Activation capture, steering and the logit lens, checked against the model.
    public var instruments = Instruments()
    /// The most layers × positions `instruments` may capture (the server's --max-activation-positions).
    public var maxActivationPositions = Int.max
    /// The most prompt positions × choices one request may ask whole
    /// distributions for (`instruments.fullDistribution`; the server's --max-full-vocab-positions).
    public var maxFullVocabPositions = Int.max

    public var stop: [String] = []
    public var stopTokenIds: [Int] = []
    public var includeStopStrInOutput: Bool = false

    public var addSpecialTokens: Bool = true
    /// Keep only the last N prompt tokens.
    public var truncatePromptTokens: Int?
    public var skipSpecialTokens: Bool = true
    public var spacesBetweenSpecialTokens: Bool = true

    public init(prompts: [PromptInput]) { self.prompts = prompts }
}

/// One token with its text on its own and its logprob.
public struct TokenLogprob: Sendable, Equatable {
    public var id: Int
    /// The token decoded on its own (U+FFFD for a partial character).
    public var text: String
    public var logprob: Float
    public init(id: Int, text: String, logprob: Float) {
        self.id = id
        self.text = text
        self.logprob = logprob
    }
}

/// A token (prompt or generated) with its logprob, its rank in the whole
/// vocabulary (1 + the number of strictly more likely tokens) and the most
/// likely alternatives there, best first.
public struct ScoredToken: Sendable, Equatable {
    public var token: TokenLogprob
    public var rank: Int
    public var top: [TokenLogprob]
    /// The entropy (nats) of the whole distribution there, when asked for.
    public var entropy: Float?
    public init(token: TokenLogprob, rank: Int, top: [TokenLogprob], entropy: Float? = nil) {
        self.token = token
        self.rank = rank
        self.top = top
        self.entropy = entropy
    }
}

public enum CompletionFinishReason: String, Sendable, Equatable {
    case length
    case stop
}

/// What stopped a choice with finish reason `stop`: a stop string, a stop token
/// id, or nil for the end-of-sequence token.
public enum StopReason: Sendable, Equatable {
    case string(String)
    case tokenId(Int)
}

public struct CompletionUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens whose keys and values were reused from the prefix cache.
    public var cachedTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }
    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }
}

/// What a completion reports as it goes.
public enum CompletionEvent: Sendable, Equatable {
    /// The prompt of a choice (sent once per choice, first): its token ids, each
    /// token's text on its own, the prompt's text (as given, or decoded from ids),
    /// and, when asked for, one entry per prompt token (nil at position 0).
    case prompt(choice: Int, tokenIds: [Int], tokenTexts: [String], text: String, logprobs: [ScoredToken?]?)
    /// New text of a choice and the tokens generated since the last delta. Text
    /// can lag behind tokens (a character split over tokens, text that may start
    /// a stop string) and can be empty. `finishing` says the choice's
    /// `.finished` comes next, so a stream can send the two as one chunk without
    /// holding back every other delta to find out.
    case delta(choice: Int, text: String, tokens: [ScoredToken], finishing: Bool = false)
    case finished(choice: Int, reason: CompletionFinishReason, stopReason: StopReason?)
    /// What a choice's research instruments read (local models only), before its `.finished`.
    case instruments(choice: Int, ChoiceInstruments)
    /// Totals over every choice, once all have finished.
    case usage(CompletionUsage)
}

/// Log-likelihoods of continuations, each after its context. Context and
/// continuation are tokenized separately and concatenated.
public struct ScoreRequest: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var context: PromptInput
        public var continuation: PromptInput
        public init(context: PromptInput, continuation: PromptInput) {
            self.context = context
            self.continuation = continuation
        }
    }
    public var items: [Item]
    /// Add BOS to each context when the model asks for it.
    public var addSpecialTokens: Bool = true
    /// Alternatives to report at each continuation position (0: none).
    public var topLogprobs: Int = 0
    /// Steered scoring: these vectors are added while every item is evaluated.
    public var steering: [SteeringVector] = []
    /// A batch line waits behind people's requests for the engine.
    public var priority: RequestPriority = .interactive
    public init(items: [Item]) { self.items = items }
}

/// Who waits for whom at the engine: requests people send (`interactive`)
/// are admitted before batch lines. Upstream servers have their own queues.
public enum RequestPriority: Sendable, Equatable {
    case interactive
    case batch
}

public struct ScoreResult: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        /// Sum of the continuation's token logprobs.
        public var logprob: Double
        public var tokens: [ScoredToken]
        /// Every continuation token was the most likely one.
        public var isGreedy: Bool
        public var contextTokens: Int
        public init(logprob: Double, tokens: [ScoredToken], isGreedy: Bool, contextTokens: Int) {
            self.logprob = logprob
            self.tokens = tokens
            self.isGreedy = isGreedy
            self.contextTokens = contextTokens
        }
    }
    public var items: [Item]
    /// Tokens evaluated by the model (shared contexts counted once).
    public var promptTokens: Int
    /// Context tokens whose keys and values were reused from the prefix cache.
    public var cachedTokens: Int
    public init(items: [Item], promptTokens: Int, cachedTokens: Int = 0) {
        self.items = items
        self.promptTokens = promptTokens
        self.cachedTokens = cachedTokens
    }
}
