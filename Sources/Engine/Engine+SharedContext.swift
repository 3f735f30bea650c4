import Model

/// Continuations scored after one context.
public struct ContinuationScores: Sendable {
    /// Per continuation, one score per token (the first predicted from the context's last position).
    public var scores: [[PositionScore]]
    /// Context tokens whose keys and values came from the prefix cache.
    public var cachedTokens: Int
}

extension Engine {
    /// Scores each continuation after the same context, as jobs on the
    /// scheduler, batched with whatever else runs. With prefix reuse the context
    /// is evaluated once (or not at all, when the prefix cache holds it) and each
    /// continuation starts from it; without, each continuation is evaluated after
    /// its own copy of the context, as separate requests would be.
    ///
    /// Returns nil when the calling task is cancelled (the client went away):
    /// its jobs stop at the next step and give their memory back.
    /// `steering` steers every job; steered contexts are not shared through the prefix cache.
    public func scoreContinuations(context: [Int], continuations: [[Int]], topK: Int,
                                   steering: [SteeringVector] = [],
                                   priority: JobPriority = .interactive) async -> ContinuationScores? {
        precondition(!context.isEmpty, "a shared context needs at least one token")
        var cachedTokens = 0
        if reusesPrefixes, continuations.count > 1, steering.isEmpty {
            // The context alone first: it lands in the prefix cache, tail
            // included, and every continuation then starts from it together.
            let contextRuns = await runScoring([ScoringJob(context: context, continuation: [], topK: topK, priority: priority)])
            guard case let contextRun?? = contextRuns.first, !Task.isCancelled else { return nil }
            cachedTokens = contextRun.cachedTokens
        }
        let scored = continuations.enumerated().filter { !$0.element.isEmpty }
        let runs = await runScoring(scored.map {
            ScoringJob(context: context, continuation: $0.element, topK: topK, steering: steering, priority: priority)
        })
        var scores = [[PositionScore]](repeating: [], count: continuations.count)
        for ((index, _), run) in zip(scored, runs) {
            guard let run else { return nil }
            scores[index] = run.scores[context.count...].map { $0! }
        }
        // A lone continuation brought the context along: its cache hits are the context's.
        if reusesPrefixes, continuations.count == 1, case let run?? = runs.first { cachedTokens = run.cachedTokens }
        return ContinuationScores(scores: scores, cachedTokens: cachedTokens)
    }

    /// What a finished scoring job reported.
    private struct ScoringRun: Sendable {
        var cachedTokens = 0
        var scores: [PositionScore?] = []
    }

    /// Submits `jobs` together and collects each one's report; nil for a job
    /// that did not finish (the calling task was cancelled).
    private func runScoring(_ jobs: [ScoringJob]) async -> [ScoringRun?] {
        let streams = submit(jobs)
        return await withTaskGroup(of: (Int, ScoringRun?).self) { group in
            for (i, stream) in streams.enumerated() {
                group.addTask {
                    var run = ScoringRun()
                    for await event in stream {
                        switch event {
                        case .admitted(let cached): run.cachedTokens = cached
                        case .promptScores(let s): run.scores = s
                        case .finished(.length): return (i, run)
                        default: continue
                        }
                    }
                    return (i, nil)
                }
            }
            var runs = [ScoringRun?](repeating: nil, count: jobs.count)
            for await (i, run) in group { runs[i] = run }
            return runs
        }
    }
}
