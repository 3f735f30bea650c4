import Foundation

/// How the next token is chosen from the logits. Temperature 0 is greedy.
/// Adjustments apply in vLLM's order: the allowed-token mask, logit bias, then
/// the repetition, frequency and presence penalties, then temperature, top-k,
/// top-p, min-p.
/// Reported logprobs never see any of this: they come from the raw logits.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float
    public var topK: Int               // 0 or -1: off
    public var topP: Float
    public var minP: Float
    public var seed: UInt64?
    /// Subtracted once from the logit of every token already generated.
    public var presencePenalty: Float
    /// Subtracted from a token's logit per time it was already generated.
    public var frequencyPenalty: Float
    /// Divides positive and multiplies negative logits of tokens seen in the prompt or output.
    public var repetitionPenalty: Float
    /// Added to the logits of these token ids.
    public var logitBias: [Int: Float]
    /// When set, only these token ids can be sampled (vLLM's `allowed_token_ids`):
    /// every other logit is masked out before anything else.
    public var allowedTokenIds: Set<Int>?

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64? = nil,
                presencePenalty: Float = 0, frequencyPenalty: Float = 0, repetitionPenalty: Float = 1,
                logitBias: [Int: Float] = [:], allowedTokenIds: Set<Int>? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.repetitionPenalty = repetitionPenalty
        self.logitBias = logitBias
        self.allowedTokenIds = allowedTokenIds
    }

    public var isGreedy: Bool { temperature == 0 }

    var adjustsLogits: Bool {
        presencePenalty != 0 || frequencyPenalty != 0 || repetitionPenalty != 1 || !logitBias.isEmpty || allowedTokenIds != nil
    }
}

/// Picks tokens for one sequence; owns its random stream so that a seeded
/// request replays exactly.
struct Sampler {
    let parameters: SamplingParameters
    private var random: SeededGenerator
    private var adjusted: [Float] = []

    init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        random = SeededGenerator(seed: parameters.seed ?? system.next())
    }

    /// The chosen token for one row of raw logits. `prompt` and `generated` feed
    /// the penalties; `banned` tokens (end-of-sequence before `min_tokens`) are
    /// never chosen.
    mutating func sample(_ raw: UnsafePointer<Float>, count: Int, prompt: [Int], generated: [Int], banned: Set<Int>) -> Int {
        guard parameters.adjustsLogits || !banned.isEmpty else { return choose(raw, count: count) }
        // The buffer is taken out of self while in use, since choosing mutates self.
        var adjusted = self.adjusted.count == count ? self.adjusted : [Float](repeating: 0, count: count)
        self.adjusted = []
        defer { self.adjusted = adjusted }
        return adjusted.withUnsafeMutableBufferPointer { buffer in
            let logits = buffer.baseAddress!
            logits.update(from: raw, count: count)
            if let allowed = parameters.allowedTokenIds {
                for id in 0..<count where !allowed.contains(id) { logits[id] = -.infinity }
            }
            for (id, bias) in parameters.logitBias where id >= 0 && id < count { logits[id] += bias }
            if parameters.repetitionPenalty != 1 {
                let p = parameters.repetitionPenalty
                for id in Set(prompt).union(generated) where id < count {
                    logits[id] = logits[id] > 0 ? logits[id] / p : logits[id] * p
                }
            }
            if parameters.frequencyPenalty != 0 || parameters.presencePenalty != 0 {
                var counts: [Int: Int] = [:]
                for id in generated { counts[id, default: 0] += 1 }
                for (id, n) in counts where id < count {
                    logits[id] -= parameters.frequencyPenalty * Float(n) + parameters.presencePenalty
                }
            }
            for id in banned where id >= 0 && id < count { logits[id] = -.infinity }
            return choose(logits, count: count)
        }
    }

    private mutating func choose(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        if parameters.isGreedy { return argmax(logits, count: count) }
        let t = Double(parameters.temperature)
        var maxLogit = -Double.infinity
        for i in 0..<count { maxLogit = max(maxLogit, Double(logits[i])) }
        guard maxLogit.isFinite else { return argmax(logits, count: count) }

        // Candidates with their unnormalised probability at this temperature.
        var candidates: [(id: Int, p: Double)] = []
        candidates.reserveCapacity(count)
        for i in 0..<count {
            let p = exp((Double(logits[i]) - maxLogit) / t)
            if p > 0 { candidates.append((i, p)) }
        }
        // Plain temperature sampling needs no order; the filters do.
        if parameters.topK > 0 || parameters.topP < 1 || parameters.minP > 0 {
            candidates.sort { $0.p > $1.p || ($0.p == $1.p && $0.id < $1.id) }
        }
        if parameters.topK > 0, candidates.count > parameters.topK {
            candidates.removeSubrange(parameters.topK...)
        }
        if parameters.topP < 1 {
            let total = candidates.reduce(0) { $0 + $1.p }
            var kept = 0, mass = 0.0
            while kept < candidates.count {
                mass += candidates[kept].p
                kept += 1
                if mass >= Double(parameters.topP) * total { break }
            }
            candidates.removeSubrange(kept...)
        }
        if parameters.minP > 0, let best = candidates.first?.p {
            let floor = best * Double(parameters.minP)
            candidates.removeAll { $0.p < floor }
        }
        let total = candidates.reduce(0) { $0 + $1.p }
        var target = random.nextUnit() * total
        for candidate in candidates {
            target -= candidate.p
            if target < 0 { return candidate.id }
        }
        return candidates.last?.id ?? argmax(logits, count: count)
    }
}

/// The index of the largest value; the lowest index wins a tie.
func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for i in 1..<count where x[i] > x[best] { best = i }
    return best
}
