import Foundation

/// How the next token is chosen from the logits. Temperature 0 is greedy.
/// The filters apply in vLLM's order: temperature, then top-k, top-p, min-p.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float = 1
    public var topK: Int = 0          // 0 or -1: off
    public var topP: Float = 1
    public var minP: Float = 0
    public var seed: UInt64? = nil

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
    }

    public var isGreedy: Bool { temperature == 0 }
}

/// Picks tokens for one sequence; owns its random stream so that a seeded
/// request replays exactly.
struct Sampler {
    let parameters: SamplingParameters
    private var random: SeededGenerator

    init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        var system = SystemRandomNumberGenerator()
        random = SeededGenerator(seed: parameters.seed ?? system.next())
    }

    /// The chosen token id for one row of (already adjusted) logits.
    mutating func sample(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        if parameters.isGreedy { return argmax(logits, count: count) }
        let t = Double(parameters.temperature)
        var maxLogit = -Double.infinity
        for i in 0..<count { maxLogit = max(maxLogit, Double(logits[i])) }
        guard maxLogit.isFinite else { return argmax(logits, count: count) }

        // Candidates with their probability at this temperature, best first.
        var candidates: [(id: Int, p: Double)] = []
        candidates.reserveCapacity(count)
        var total = 0.0
        for i in 0..<count {
            let p = exp((Double(logits[i]) - maxLogit) / t)
            if p > 0 { candidates.append((i, p)); total += p }
        }
        // Plain temperature sampling needs no order; the filters below do.
        let filters = parameters.topK > 0 || parameters.topP < 1 || parameters.minP > 0
        if filters { candidates.sort { $0.p > $1.p || ($0.p == $1.p && $0.id < $1.id) } }
        if parameters.topK > 0, candidates.count > parameters.topK {
            candidates.removeSubrange(parameters.topK...)
        }
        if parameters.topK > 0 { total = candidates.reduce(0) { $0 + $1.p } }
        if parameters.topP < 1 {
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
        total = candidates.reduce(0) { $0 + $1.p }
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
