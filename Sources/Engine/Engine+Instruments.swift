import Kernels
import Model

extension Engine {
    /// Rows of the logit lens formed at a time: a long prompt's lens never holds
    /// more than this many rows of logits.
    static let lensRows = 32

    /// The logit lens at `rows` positions of the residual stream, the first at
    /// `position`: each row through the final norm and the output matrix, then
    /// the score of the prompt token it predicts (position p predicts p + 1)
    /// with the top-k, into `out[p + 1]`.
    func lens(residual: UnsafePointer<Float>, rows: Int, position: Int, prompt: [Int], topK: Int,
              into out: UnsafeMutableBufferPointer<PositionScore?>) {
        let vocab = vocabularySize
        let h = config.hiddenSize
        let chunk = min(rows, Self.lensRows)
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: chunk * h)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: chunk * vocab)
        defer {
            normed.deallocate()
            logits.deallocate()
        }
        var first = 0
        while first < rows {
            let n = min(chunk, rows - first)
            model.lensLogits(residual: residual + first * h, rows: n, normed: normed, output: logits)
            let base = position + first
            model.pool.parallelFor(n) { r in
                let target = base + r + 1
                let s = scoreLogits(logits + r * vocab, vocabularySize: vocab, target: prompt[target], topK: topK)
                out[target] = PositionScore(tokenId: prompt[target], logprob: s.logprob, rank: s.rank, top: s.top)
            }
            first += n
        }
    }
}
