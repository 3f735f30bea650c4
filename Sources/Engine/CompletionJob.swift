/// One sequence for the engine: a tokenized prompt, what to report about it, and
/// how to continue it.
public struct CompletionJob: Sendable {
    public var prompt: [Int]
    /// Top-k to report at every prompt position (0: just the actual token's
    /// logprob and rank); nil reports nothing about the prompt.
    public var promptLogprobs: Int?
    /// The temperature the prompt's logprobs are computed at: log-softmax of
    /// logits / T (1: the model's own distribution). Sampling is unaffected.
    public var promptLogprobsTemperature: Float
    /// Tokens to generate; 0 only scores the prompt.
    public var maxTokens: Int
    /// Alternatives to report with each generated token (nil: none).
    public var logprobs: Int?
    public var sampling: SamplingParameters
    public var stopTokenIds: Set<Int>
    /// Keep going past the end-of-sequence token.
    public var ignoreEOS: Bool
    /// End-of-sequence and stop tokens cannot be generated before this many tokens.
    public var minTokens: Int
    /// Report the entropy of the whole distribution at every scored prompt
    /// position and every generated token.
    public var returnEntropy = false
    /// Activation capture, steering and the logit lens (`Instruments`).
    public var instruments = Instruments()
    /// A batch line waits behind every interactive job for admission.
    public var priority: JobPriority = .interactive

    public init(
        prompt: [Int], promptLogprobs: Int? = nil, maxTokens: Int = 16, logprobs: Int? = nil,
        sampling: SamplingParameters = SamplingParameters(), stopTokenIds: Set<Int> = [],
        ignoreEOS: Bool = false, minTokens: Int = 0, promptLogprobsTemperature: Float = 1
    ) {
        self.prompt = prompt
        self.promptLogprobs = promptLogprobs
        self.promptLogprobsTemperature = promptLogprobsTemperature
        self.maxTokens = maxTokens
        self.logprobs = logprobs
        self.sampling = sampling
        self.stopTokenIds = stopTokenIds
        self.ignoreEOS = ignoreEOS
        self.minTokens = minTokens
    }
}
