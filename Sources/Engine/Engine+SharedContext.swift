import Kernels
import Model

/// Continuations scored after one context.
public struct ContinuationScores: Sendable {
    /// Per continuation, one score per token (the first predicted from the context's last position).
    public var scores: [[PositionScore]]
    /// Context tokens whose keys and values came from the prefix cache.
    public var cachedTokens: Int
}

extension Engine {
    /// Scores each continuation after the same context. With prefix reuse the
    /// context is evaluated once (or not at all, when the prefix cache holds
    /// it) and each continuation follows it; without, each continuation is
    /// evaluated after its own copy of the context, as separate requests would be.
    ///
    /// Runs on the calling thread, taking the model's lock one chunk at a time so
    /// that submitted jobs keep their turns; call it off Swift's cooperative pool.
    /// `shouldStop` is asked between chunks; when it says yes (the client went
    /// away) the work ends there and the result is nil.
    public func scoreContinuations(context: [Int], continuations: [[Int]], topK: Int,
                                   shouldStop: () -> Bool = { false }) -> ContinuationScores? {
        precondition(!context.isEmpty, "a shared context needs at least one token")
        if reusesPrefixes { return score(after: context, continuations, topK: topK, shouldStop: shouldStop) }
        var result = ContinuationScores(scores: [], cachedTokens: 0)
        for continuation in continuations {
            guard let one = score(after: context, [continuation], topK: topK, shouldStop: shouldStop) else { return nil }
            result.scores += one.scores
        }
        return result
    }

    private func score(after context: [Int], _ continuations: [[Int]], topK: Int,
                       shouldStop: () -> Bool) -> ContinuationScores? {
        let vocab = vocabularySize
        let longest = continuations.map(\.count).max() ?? 0
        let cache = model.makeCache(capacity: context.count + max(longest, 1))
        guard waitForMemory({ reserve(cache, prompt: context, reusePrefix: true, partialBlocks: true) }, shouldStop: shouldStop) else { return nil }
        let cachedTokens = cache.count
        if continuations.count == 1, let continuation = continuations.first, !continuation.isEmpty,
           context.count - cache.count <= Self.contextRestEvaluatedWithContinuation {
            return scoreWithRest(of: context, continuation, cache: cache, topK: topK, cachedTokens: cachedTokens)
        }
        let afterContext = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        let unused = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        defer {
            afterContext.deallocate()
            unused.deallocate()
        }
        var none: [PositionScore?] = []
        var start = cache.count
        while start < context.count {
            if shouldStop() { return nil }
            let end = min(start + prefillChunk, context.count)
            modelLock.lock()
            evaluate(prompt: context, range: start..<end, cache: cache, topK: nil, scores: &none, lastLogits: afterContext)
            modelLock.unlock()
            start = end
        }
        prefixCache?.insert(context, blocks: cache.blocks, count: context.count, tail: true)

        var results: [[PositionScore]] = []
        for continuation in continuations {
            guard let first = continuation.first else { results.append([]); continue }
            let s = scoreLogits(afterContext, vocabularySize: vocab, target: first, topK: topK)
            var scored = [PositionScore(tokenId: first, logprob: s.logprob, rank: s.rank, top: s.top)]
            if continuation.count > 1 {
                let full = context + continuation
                var scores = [PositionScore?](repeating: nil, count: full.count)
                // The last token predicts nothing we need, so it is not evaluated.
                var position = context.count
                while position < full.count - 1 {
                    if shouldStop() { return nil }
                    let end = min(position + prefillChunk, full.count - 1)
                    modelLock.lock()
                    evaluate(prompt: full, range: position..<end, cache: cache, topK: topK, scores: &scores, lastLogits: unused)
                    modelLock.unlock()
                    position = end
                }
                scored += scores[(context.count + 1)...].map { $0! }
                cache.truncate(to: context.count)
            }
            results.append(scored)
        }
        return ContinuationScores(scores: results, cachedTokens: cachedTokens)
    }

    /// Context tokens left after the prefix cache that a lone continuation takes
    /// along into its own pass (their logits are formed too, and wasted, but a
    /// pass over the weights costs more).
    static let contextRestEvaluatedWithContinuation = 8

    /// One continuation after a context the prefix cache held all but a few
    /// tokens of (an option of a multiple-choice question, asked on its own):
    /// the rest of the context and the continuation are evaluated in one pass.
    private func scoreWithRest(of context: [Int], _ continuation: [Int], cache: KVCache, topK: Int,
                               cachedTokens: Int) -> ContinuationScores {
        let full = context + continuation
        var scores = [PositionScore?](repeating: nil, count: full.count)
        let unused = UnsafeMutablePointer<Float>.allocate(capacity: vocabularySize)
        defer { unused.deallocate() }
        // The last token predicts nothing we need, so it is not evaluated.
        modelLock.lock()
        evaluate(prompt: full, range: cache.count..<full.count - 1, cache: cache, topK: topK, scores: &scores, lastLogits: unused)
        modelLock.unlock()
        prefixCache?.insert(context, blocks: cache.blocks, count: context.count, tail: true)
        return ContinuationScores(scores: [scores[context.count...].map { $0! }], cachedTokens: cachedTokens)
    }
}
