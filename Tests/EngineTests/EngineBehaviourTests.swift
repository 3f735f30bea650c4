import Engine
import Kernels
import TestSupport
import XCTest

/// What a caller of the engine relies on beyond the numbers themselves.
final class EngineBehaviourTests: XCTestCase {
    nonisolated(unsafe) static var engine: Engine?

    private func tiny() throws -> Engine {
        if let e = Self.engine { return e }
        let e = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        Self.engine = e
        return e
    }

    func testScoringOnlyGeneratesNothing() throws {
        let engine = try tiny()
        var generated = 0
        var scores: [PositionScore?] = []
        let reason = engine.run(CompletionJob(prompt: [128_000, 791, 6864], promptLogprobs: 3, maxTokens: 0),
                                onPromptScores: { scores = $0 }, onToken: { _ in generated += 1; return true })
        XCTAssertEqual(reason, .length)
        XCTAssertEqual(generated, 0)
        XCTAssertEqual(scores.count, 3)
        XCTAssertNil(scores[0])
        XCTAssertEqual(scores[1]?.tokenId, 791)
        XCTAssertEqual(scores[2]?.top.count, 3)
    }

    func testPromptLogprobsZeroGivesLogprobAndRankWithoutAlternatives() throws {
        let scores = try tiny().score([128_000, 791, 6864, 315], topK: 0)
        for s in scores.dropFirst() {
            XCTAssertNotNil(s)
            XCTAssertEqual(s?.top.count, 0)
            XCTAssertGreaterThanOrEqual(s?.rank ?? 0, 1)
            XCTAssertLessThanOrEqual(s?.logprob ?? 1, 0)
        }
    }

    func testSameSeedSameTokensAndDifferentSeedsDiffer() throws {
        let engine = try tiny()
        func sample(_ seed: UInt64) -> [Int] {
            var ids: [Int] = []
            engine.run(CompletionJob(prompt: [128_000, 791], maxTokens: 12,
                                     sampling: SamplingParameters(temperature: 1.5, seed: seed), ignoreEOS: true),
                       onToken: { ids.append($0.id); return true })
            return ids
        }
        XCTAssertEqual(sample(7), sample(7))
        XCTAssertNotEqual(sample(7), sample(8))
    }

    func testStopTokenEndsGenerationAfterMinTokens() throws {
        let engine = try tiny()
        var greedy: [Int] = []
        engine.run(CompletionJob(prompt: [128_000, 791], maxTokens: 6, sampling: SamplingParameters(temperature: 0), ignoreEOS: true),
                   onToken: { greedy.append($0.id); return true })
        let stop = greedy[2]
        var ids: [Int] = []
        let reason = engine.run(CompletionJob(prompt: [128_000, 791], maxTokens: 6, sampling: SamplingParameters(temperature: 0),
                                              stopTokenIds: [stop], ignoreEOS: true),
                                onToken: { ids.append($0.id); return true })
        let firstStop = greedy.firstIndex(of: stop)!
        XCTAssertEqual(reason, .stopToken(stop))
        XCTAssertEqual(ids, Array(greedy[...firstStop]))

        var late: [Int] = []
        _ = engine.run(CompletionJob(prompt: [128_000, 791], maxTokens: 6, sampling: SamplingParameters(temperature: 0),
                                     stopTokenIds: [stop], ignoreEOS: true, minTokens: 6),
                       onToken: { late.append($0.id); return true })
        XCTAssertEqual(late.count, 6, "min_tokens keeps going past stop tokens")
        XCTAssertFalse(late.contains(stop), "before min_tokens a stop token cannot be chosen")
    }

    func testCallerCanStopGeneration() throws {
        var count = 0
        let reason = try tiny().run(CompletionJob(prompt: [128_000], maxTokens: 10, ignoreEOS: true),
                                    onToken: { _ in count += 1; return count < 3 })
        XCTAssertEqual(reason, .stoppedByCaller)
        XCTAssertEqual(count, 3)
    }

    func testGeneratedTokenCarriesItsRankAndAlternatives() throws {
        var tokens: [GeneratedToken] = []
        try tiny().run(CompletionJob(prompt: [128_000, 791], maxTokens: 3, logprobs: 4, sampling: SamplingParameters(temperature: 0), ignoreEOS: true),
                       onToken: { tokens.append($0); return true })
        for t in tokens {
            XCTAssertEqual(t.rank, 1, "greedy picks the top token")
            XCTAssertEqual(t.top.count, 4)
            XCTAssertEqual(t.top.first?.id, t.id)
            XCTAssertEqual(t.top.first?.logprob, t.logprob)
        }
    }

    /// Jobs submitted together are batched into shared steps; each gets what it
    /// would get alone (greedy tokens, and logprobs to float accuracy).
    func testConcurrentJobsGetWhatTheyGetAlone() async throws {
        let engine = try tiny()
        let prompts: [[Int]] = [[128_000, 791, 6864, 315, 9822, 374], [128_000, 40, 1093], [128_000, 9906, 1917, 11, 856, 836, 374, 13, 1115]]
        let jobs = prompts.enumerated().map { i, p in
            CompletionJob(prompt: p, promptLogprobs: i == 0 ? 2 : nil, maxTokens: 5 + 3 * i, logprobs: 1,
                          sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        }
        var alone: [[GeneratedToken]] = []
        for job in jobs {
            var tokens: [GeneratedToken] = []
            engine.run(job, onToken: { tokens.append($0); return true })
            alone.append(tokens)
        }
        let together = await withTaskGroup(of: (Int, [GeneratedToken]).self) { group in
            for (i, job) in jobs.enumerated() {
                let stream = engine.submit(job)
                group.addTask {
                    var tokens: [GeneratedToken] = []
                    for await event in stream { if case .token(let t) = event { tokens.append(t) } }
                    return (i, tokens)
                }
            }
            var result = [[GeneratedToken]](repeating: [], count: jobs.count)
            for await (i, tokens) in group { result[i] = tokens }
            return result
        }
        for (a, b) in zip(alone, together) {
            XCTAssertEqual(a.map(\.id), b.map(\.id))
            for (x, y) in zip(a, b) { XCTAssertEqual(x.logprob, y.logprob, accuracy: 1e-3) }
        }
    }

    private func events(_ engine: Engine, _ job: CompletionJob) async -> (cached: Int, tokens: [GeneratedToken]) {
        var cached = -1
        var tokens: [GeneratedToken] = []
        for await event in engine.submit(job) {
            switch event {
            case .admitted(let n): cached = n
            case .token(let t): tokens.append(t)
            default: break
            }
        }
        return (cached, tokens)
    }

    /// A prompt that starts like an earlier one reuses its full blocks and gets
    /// the same tokens and logprobs as computing it whole.
    func testPrefixReuseSkipsTheSharedBlocksAndChangesNothing() async throws {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.defaultModel), threads: 2)
        let size = engine.model.kvPool.blockSize
        let shared = (0..<(3 * size + 5)).map { ($0 * 31 + 7) % 40_000 + 100 }
        let job = { (tail: [Int]) in
            CompletionJob(prompt: shared + tail, maxTokens: 6, logprobs: 2, sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        }
        let fresh = try Engine(modelPath: try TestPaths.require(TestPaths.defaultModel), threads: 2, prefixReuse: false)

        let first = await events(engine, job([11, 12]))
        XCTAssertEqual(first.cached, 0)
        let second = await events(engine, job([13, 14, 15]))
        XCTAssertEqual(second.cached, 3 * size, "the three full blocks of the shared start are reused")
        let alone = await events(fresh, job([13, 14, 15]))
        XCTAssertEqual(alone.cached, 0)
        XCTAssertEqual(second.tokens.map(\.id), alone.tokens.map(\.id))
        for (a, b) in zip(second.tokens, alone.tokens) { XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-3) }
        XCTAssertEqual(engine.kvCacheBytes, 0, "finished jobs hold no memory; idle cached blocks are not counted")
        XCTAssertGreaterThan(engine.prefixCacheBlocks, 0)

        // Prompt logprobs need every position, so such a prompt is computed whole.
        var scored = job([13])
        scored.promptLogprobs = 1
        let whole = await events(engine, scored)
        XCTAssertEqual(whole.cached, 0)

        // Scoring continuations after a cached context: same numbers as without the cache.
        let context = shared + [21, 22]
        let continuations = [[31, 32, 33], [41]]
        let coldResult = await fresh.scoreContinuations(context: context, continuations: continuations, topK: 2)
        let cold = try XCTUnwrap(coldResult)
        let warmResult = await engine.scoreContinuations(context: context, continuations: continuations, topK: 2)
        let warm = try XCTUnwrap(warmResult)
        XCTAssertEqual(warm.cachedTokens, 3 * size)
        // Asked again (one option at a time, as harnesses do), the context's own
        // tail is reused too: all but its last token, whose logits are needed.
        let againResult = await engine.scoreContinuations(context: context, continuations: [continuations[0]], topK: 2)
        let again = try XCTUnwrap(againResult)
        XCTAssertEqual(again.cachedTokens, context.count - 1)
        XCTAssertEqual(again.scores.map(\.count), [continuations[0].count])
        for (a, b) in Array(zip(cold.scores.joined(), warm.scores.joined())) + Array(zip(cold.scores[0], again.scores[0])) {
            XCTAssertEqual(a.tokenId, b.tokenId)
            XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-3)
            XCTAssertEqual(a.rank, b.rank)
        }
    }

    /// Scoring jobs submitted together, as concurrent `/v1/score` requests are,
    /// ride in the same batched steps: one pass over the weights evaluates
    /// both, and each gets the scores it gets alone.
    func testConcurrentScoringJobsShareOneStep() async throws {
        let engine = try tiny()
        let jobs = [ScoringJob(context: [128_000, 791, 6864, 315], continuation: [9822, 374, 13], topK: 2),
                    ScoringJob(context: [128_000, 9906, 1917, 11, 856], continuation: [836, 374], topK: 2)]
        let together = await withTaskGroup(of: (Int, [Int], [PositionScore?]).self) { group in
            for (i, stream) in engine.submit(jobs).enumerated() {
                group.addTask {
                    var steps: [Int] = []
                    var scores: [PositionScore?] = []
                    for await event in stream {
                        switch event {
                        case .evaluated(let step, _): steps.append(step)
                        case .promptScores(let s): scores = s
                        default: break
                        }
                    }
                    return (i, steps, scores)
                }
            }
            var result = [(steps: [Int], scores: [PositionScore?])](repeating: ([], []), count: jobs.count)
            for await (i, steps, scores) in group { result[i] = (steps, scores) }
            return result
        }
        XCTAssertEqual(together[0].steps.count, 1, "a short job is evaluated in one step")
        XCTAssertEqual(together[0].steps, together[1].steps, "both jobs rode in the same step")

        for (job, result) in zip(jobs, together) {
            let alone = engine.score(job.context + job.continuation, topK: 2)
            XCTAssertEqual(result.scores.count, alone.count)
            XCTAssertTrue(result.scores[..<job.context.count].allSatisfy { $0 == nil }, "the context is not scored")
            for (a, b) in zip(alone[job.context.count...], result.scores[job.context.count...]) {
                let (a, b) = (try XCTUnwrap(a), try XCTUnwrap(b))
                XCTAssertEqual(a.tokenId, b.tokenId)
                XCTAssertEqual(a.rank, b.rank)
                XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-3)
            }
        }
    }

    /// A scoring request whose client goes away stops: it reports nothing, its
    /// jobs leave the scheduler and every block they held comes back.
    func testCancelledScoringStopsAndGivesItsMemoryBack() async throws {
        // The smallest pool, one full context, taken whole by a long generation:
        // the scoring jobs wait for memory, so only cancelling can end them early.
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2, kvCacheBytes: 1)
        let hog = engine.submit(CompletionJob(prompt: [128_000], maxTokens: engine.contextLength - 1, ignoreEOS: true))
        let generating = Task { for await _ in hog {} }
        let scoring = Task {
            await engine.scoreContinuations(context: [128_000, 791, 6864], continuations: [[315], [9822, 374]], topK: 0)
        }
        scoring.cancel()
        let result = await scoring.value
        XCTAssertNil(result, "a cancelled request reports nothing")
        generating.cancel()
        await generating.value

        // The scheduler drops cancelled jobs before the next one joins.
        for await _ in engine.submit(CompletionJob(prompt: [128_000], maxTokens: 1)) {}
        XCTAssertEqual(engine.model.kvPool.blocksInUse, 0)
    }

    /// More work than the KV memory holds at once is queued, not refused or
    /// crashed: every job finishes with what it would get alone.
    func testJobsBeyondTheMemoryWaitTheirTurn() async throws {
        // The smallest pool: one full context.
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2, kvCacheBytes: 1, prefixReuse: false)
        let pool = engine.model.kvPool
        let perJob = (pool.capacity * pool.blockSize) / 3 + 1 // three of them do not fit together
        let jobs = (0..<5).map { i in
            CompletionJob(prompt: [128_000] + (0..<(perJob - 9)).map { ($0 * 13 + i) % 5_000 + 300 }, maxTokens: 8, logprobs: 0,
                          sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        }
        let together = await withTaskGroup(of: (Int, [GeneratedToken]).self) { group in
            for (i, job) in jobs.enumerated() {
                let stream = engine.submit(job)
                group.addTask {
                    var tokens: [GeneratedToken] = []
                    for await event in stream { if case .token(let t) = event { tokens.append(t) } }
                    return (i, tokens)
                }
            }
            var result = [[GeneratedToken]](repeating: [], count: jobs.count)
            for await (i, tokens) in group { result[i] = tokens }
            return result
        }
        for (job, tokens) in zip(jobs, together) {
            var alone: [Int] = []
            engine.run(job, onToken: { alone.append($0.id); return true })
            XCTAssertEqual(tokens.map(\.id), alone)
        }
        XCTAssertEqual(pool.blocksInUse, 0)
    }
}
