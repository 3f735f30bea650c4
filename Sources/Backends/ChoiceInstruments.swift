import Engine

/// What one choice's research instruments read, for the API to write out.
public struct ChoiceInstruments: Sendable, Equatable {
    /// The residual stream [layers, positions, hidden] in temporary files,
    /// removed once nothing holds them (after the response is sent).
    public var activations: CapturedActivations?
    /// Per logit-lens layer, one entry per prompt position (nil at 0).
    public var lens: [Int: [ScoredToken?]]

    public init(activations: CapturedActivations?, lens: [Int: [ScoredToken?]]) {
        self.activations = activations
        self.lens = lens
    }
}
