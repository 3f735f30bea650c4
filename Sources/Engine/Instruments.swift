/// What a job asks the engine to read from, or change in, its residual stream
/// (the hidden state between blocks) as it runs. Layer `i` is the residual
/// stream after block `i` (0-based), before the final norm.
public struct Instruments: Sendable, Equatable {
    /// Capture the residual stream after these blocks, at every evaluated position.
    public var captureLayers: [Int] = []
    /// Added to the residual stream after their blocks, before anything reads it.
    public var steering: [SteeringVector] = []
    /// The logit lens: after these blocks, the top-k of
    /// log-softmax(output(norm(residual))) at every prompt position.
    public var lensLayers: [Int] = []
    public var lensTopK = 0
    /// The whole next-token distribution at every prompt position (`prompt_logprobs: -1`),
    /// written to a file as it is computed; needs the job's prompt logprobs.
    public var fullDistribution = false

    public init() {}

    public var isEmpty: Bool { captureLayers.isEmpty && steering.isEmpty && lensLayers.isEmpty && !fullDistribution }
    /// Something is read out once the job ends (`InstrumentReadings`).
    var hasReadings: Bool { !captureLayers.isEmpty || !lensLayers.isEmpty || fullDistribution }
    /// Steering changes the keys and values the job computes: its blocks may
    /// neither come from nor go into the prefix cache.
    public var changesActivations: Bool { !steering.isEmpty }
}

/// `scale × vector` added to the residual stream after each of `layers`, at
/// `positions` (nil: every position, prompt and generated).
public struct SteeringVector: Sendable, Equatable {
    public var vector: [Float]
    public var layers: [Int]
    public var scale: Float
    /// Half-open position ranges; a single position p is p..<p+1.
    public var positions: [Range<Int>]?

    public init(vector: [Float], layers: [Int], scale: Float, positions: [Range<Int>]? = nil) {
        self.vector = vector
        self.layers = layers
        self.scale = scale
        self.positions = positions
    }

    func applies(at position: Int) -> Bool {
        positions.map { $0.contains { $0.contains(position) } } ?? true
    }
}

/// What a job's instruments read, delivered once, just before `.finished`.
public struct InstrumentReadings: Sendable, Equatable {
    /// The captured residual stream; nil when none was asked for.
    public var activations: CapturedActivations?
    /// Why an instrument's temporary file (the residual stream's, the whole
    /// distributions') could not be created or written; `activations` and
    /// `distributions` are then nil and the request fails.
    public var captureFailure: String?
    /// Per lens layer, one entry per prompt position (nil at 0), as `promptScores`.
    public var lens: [Int: [PositionScore?]] = [:]
    /// The full distribution at every prompt position; nil when none was asked for.
    public var distributions: CapturedDistributions?
}
