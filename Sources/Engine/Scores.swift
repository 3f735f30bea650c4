import Kernels

/// What the model thought of one prompt position: the actual token's
/// log-probability and rank among the whole vocabulary, and the top-k.
public struct PositionScore: Sendable, Equatable {
    public let tokenId: Int
    public let logprob: Float
    /// 1 + the number of vocabulary entries with a strictly greater logprob.
    public let rank: Int
    /// The `k` most likely tokens at this position, best first.
    public let top: [TokenLogprob]
    /// The entropy (nats) of the whole distribution at this position, when the job asks for it.
    public let entropy: Float?

    public init(tokenId: Int, logprob: Float, rank: Int, top: [TokenLogprob], entropy: Float? = nil) {
        self.tokenId = tokenId
        self.logprob = logprob
        self.rank = rank
        self.top = top
        self.entropy = entropy
    }
}

/// One generated token, with its logprob under the unmodified distribution
/// (temperature 1, before any sampling transformation) and the alternatives.
public struct GeneratedToken: Sendable, Equatable {
    public let id: Int
    public let logprob: Float
    public let rank: Int
    public let top: [TokenLogprob]
    /// The entropy (nats) of the distribution it was sampled from (temperature 1), when asked for.
    public let entropy: Float?

    public init(id: Int, logprob: Float, rank: Int, top: [TokenLogprob], entropy: Float? = nil) {
        self.id = id
        self.logprob = logprob
        self.rank = rank
        self.top = top
        self.entropy = entropy
    }
}

public enum FinishReason: Sendable, Equatable {
    /// `maxTokens` were generated.
    case length
    /// The end-of-sequence token, or one of `stopTokenIds`.
    case stopToken(Int)
    /// The caller asked to stop (a stop string matched, or the client went away).
    case stoppedByCaller
}
