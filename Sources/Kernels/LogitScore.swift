import KernelsC

public struct TokenLogprob: Sendable, Equatable {
    public let id: Int
    public let logprob: Float
    public init(id: Int, logprob: Float) {
        self.id = id
        self.logprob = logprob
    }
}

/// Log-softmax statistics of one row of logits.
public struct LogitScore: Sendable, Equatable {
    /// Log-softmax of the target token (0 when there is no target).
    public let logprob: Float
    /// 1 + number of entries with a strictly greater logit than the target's (0 without target).
    public let rank: Int
    /// The topK best tokens, best first; equal logits are ordered by lower id first.
    public let top: [TokenLogprob]
    /// The row's log-sum-exp (0 for an empty row): with `logprob(ofLogit:logSumExp:)`,
    /// any other entry's logprob, as the ones above are formed.
    public let logSumExp: Double
    public init(logprob: Float, rank: Int, top: [TokenLogprob], logSumExp: Double = 0) {
        self.logprob = logprob
        self.rank = rank
        self.top = top
        self.logSumExp = logSumExp
    }
}

/// Full-vocabulary log-softmax statistics: one vectorised pass for the maximum, one for the
/// log-sum-exp (in Double), one for the rank, and a bounded heap for the top-k (kc_top_k,
/// which skips 16 logits at a time that cannot enter it); no sort of the vocabulary.
public func scoreLogits(_ logits: UnsafePointer<Float>, vocabularySize: Int, target: Int?, topK: Int) -> LogitScore {
    let n = vocabularySize
    guard n > 0 else { return LogitScore(logprob: 0, rank: 0, top: []) }
    let logSumExp = Kernels.logSumExp(ofLogits: logits, count: n)

    var logprob: Float = 0, rank = 0
    if let target {
        precondition(target >= 0 && target < n, "target \(target) outside the vocabulary")
        logprob = Kernels.logprob(ofLogit: logits[target], logSumExp: logSumExp)
        rank = 1 + Int(kc_count_greater(logits, Int64(n), logits[target]))
    }

    let k = min(max(topK, 0), n)
    var top: [TokenLogprob] = []
    if k > 0 {
        let ids = [Int](unsafeUninitializedCapacity: k) { buffer, initialized in
            initialized = Int(kc_top_k(logits, Int64(n), Int64(k), UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: Int64.self)))
        }
        top.reserveCapacity(k)
        for id in ids { top.append(TokenLogprob(id: id, logprob: Kernels.logprob(ofLogit: logits[id], logSumExp: logSumExp))) }
    }
    return LogitScore(logprob: logprob, rank: rank, top: top, logSumExp: logSumExp)
}


/// The log-sum-exp of one row of logits, as `scoreLogits` computes it (the
/// maximum, then the shifted sum in Double): with `logprob(ofLogit:logSumExp:)`
/// a whole distribution agrees bit for bit with the top-k and the actual token's logprob.
public func logSumExp(ofLogits logits: UnsafePointer<Float>, count n: Int) -> Double {
    guard n > 0 else { return 0 }
    let maxLogit = kc_max(logits, Int64(n))
    return Double(maxLogit) + kc_log_sum_exp_shifted(logits, Int64(n), maxLogit)
}

/// One entry's log-softmax, exactly as every logprob BaseServe reports is formed.
@inlinable
public func logprob(ofLogit logit: Float, logSumExp: Double) -> Float {
    Float(Double(logit) - logSumExp)
}
