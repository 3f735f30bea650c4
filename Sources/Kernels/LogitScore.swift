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
    public init(logprob: Float, rank: Int, top: [TokenLogprob]) {
        self.logprob = logprob
        self.rank = rank
        self.top = top
    }
}

/// Full-vocabulary log-softmax statistics: one vectorised pass for the maximum, one for the
/// log-sum-exp (in Double), and a bounded heap for the top-k; no sort of the vocabulary.
public func scoreLogits(_ logits: UnsafePointer<Float>, vocabularySize: Int, target: Int?, topK: Int) -> LogitScore {
    let n = vocabularySize
    guard n > 0 else { return LogitScore(logprob: 0, rank: 0, top: []) }
    let maxLogit = kc_max(logits, Int64(n))
    let logSumExp = Double(maxLogit) + kc_log_sum_exp_shifted(logits, Int64(n), maxLogit)

    var logprob: Float = 0, rank = 0
    if let target {
        precondition(target >= 0 && target < n, "target \(target) outside the vocabulary")
        logprob = Float(Double(logits[target]) - logSumExp)
        rank = 1 + Int(kc_count_greater(logits, Int64(n), logits[target]))
    }

    let k = min(max(topK, 0), n)
    var top: [TokenLogprob] = []
    if k > 0 {
        let ids = topIndices(logits, count: n, k: k)
        top.reserveCapacity(k)
        for id in ids { top.append(TokenLogprob(id: id, logprob: Float(Double(logits[id]) - logSumExp))) }
    }
    return LogitScore(logprob: logprob, rank: rank, top: top)
}

/// The k best indices, best first (higher logit; equal logits: lower id). A min-heap of
/// the current best k keeps its worst at the root; since ids are scanned in increasing
/// order, a later entry only displaces the root when its logit is strictly greater.
func topIndices(_ x: UnsafePointer<Float>, count n: Int, k: Int) -> [Int] {
    var heap = [Int]()
    heap.reserveCapacity(k)
    // `a` is worse than `b`.
    @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
        x[a] < x[b] || (x[a] == x[b] && a > b)
    }
    func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && worse(heap[l], heap[m]) { m = l }
            if r < heap.count && worse(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
    for i in 0..<n {
        if heap.count < k {
            heap.append(i)
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
            }
        } else if x[i] > x[heap[0]] {
            heap[0] = i
            siftDown(0)
        }
    }
    return heap.sorted { worse($1, $0) }
}
