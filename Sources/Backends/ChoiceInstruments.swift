import Engine

/// What one choice's research instruments read, for the API to write out.
public struct ChoiceInstruments: Sendable, Equatable {
    /// The residual stream [layers, positions, hidden] in temporary files,
    /// removed once nothing holds them (after the response is sent).
    public var activations: CapturedActivations?
    /// Per logit-lens layer, one entry per prompt position (nil at 0).
    public var lens: [Int: [ScoredToken?]]
    /// The whole distribution at every prompt position (`prompt_logprobs: -1`)
    /// in a temporary file, removed once nothing holds it.
    public var distributions: CapturedDistributions?
    /// Each vocabulary entry decoded on its own, by id, for the distributions'
    /// `decoded_token`s (empty without distributions).
    public var vocabularyTexts: [String]

    public init(activations: CapturedActivations?, lens: [Int: [ScoredToken?]],
                distributions: CapturedDistributions? = nil, vocabularyTexts: [String] = []) {
        self.activations = activations
        self.lens = lens
        self.distributions = distributions
        self.vocabularyTexts = vocabularyTexts
    }
}
