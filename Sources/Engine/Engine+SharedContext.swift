import Kernels

extension Engine {
    /// Scores each continuation after the same context, evaluating the context
    /// once: its keys and values stay in one cache, and each continuation is
    /// evaluated after it and then forgotten. Returns, per continuation, one score
    /// per token (the first predicted from the context's last position).
    ///
    /// Runs on the calling thread, taking the model's lock one chunk at a time so
    /// that submitted jobs keep their turns; call it off Swift's cooperative pool.
    /// `shouldStop` is asked between chunks; when it says yes (the client went
    /// away) the work ends there and the result is nil.
    public func scoreContinuations(context: [Int], continuations: [[Int]], topK: Int,
                                   shouldStop: () -> Bool = { false }) -> [[PositionScore]]? {
        precondition(!context.isEmpty, "a shared context needs at least one token")
        let vocab = vocabularySize
        let longest = continuations.map(\.count).max() ?? 0
        let cache = model.makeCache(capacity: context.count + max(longest, 1))
        let afterContext = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        let unused = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        defer {
            afterContext.deallocate()
            unused.deallocate()
        }
        var none: [PositionScore?] = []
        var start = 0
        while start < context.count {
            if shouldStop() { return nil }
            let end = min(start + prefillChunk, context.count)
            modelLock.lock()
            evaluate(prompt: context, range: start..<end, cache: cache, topK: nil, scores: &none, lastLogits: afterContext)
            modelLock.unlock()
            start = end
        }

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
        return results
    }
}
