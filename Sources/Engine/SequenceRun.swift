import Kernels
import Model

/// One job in progress: its cache, its sampler and how far it has got.
///
/// The engine advances many of these together, one batched step at a time
/// (`Engine.step`): each step asks every sequence for its next input (a chunk of
/// its prompt, or the token it generated last), evaluates all of them in one
/// forward pass, and hands each its results back. A completion and a scored
/// continuation are the same kind of sequence: a prompt, scored from some
/// position on, then (for a completion) generated tokens.
final class SequenceRun {
    let job: CompletionJob
    /// The first prompt position whose score is reported: 1 for prompt logprobs
    /// (position 0 has no context), the continuation's start when scoring one.
    let scoredFrom: Int
    /// A scored context's length: once evaluated it goes into the prefix cache
    /// down to the token (nil for completions, which keep whole blocks only).
    let sharedContext: Int?
    /// Prompt positions to evaluate: all, except a scored continuation's last
    /// token, whose prediction nobody asked for.
    let promptEnd: Int
    let cache: KVCache
    private var sampler: Sampler
    private var scores: [PositionScore?]
    /// The next-token logits, once the prompt or the last generated token has been evaluated.
    let lastLogits: UnsafeMutablePointer<Float>
    private(set) var prefilled = 0
    private var generated = 0
    private(set) var pendingToken: Int?
    private var generatedIds: [Int] = []
    private(set) var isFinished = false

    /// Prompt tokens whose keys and values came from the prefix cache.
    private(set) var cachedTokens = 0
    private(set) var isAdmitted = false

    /// The residual stream written out as it is computed, when the job captures it.
    private var capture: ActivationCapture?
    /// Why an instrument's file could not be created or written (the first such failure).
    private var captureFailure: CaptureFileError?
    private var lens: [Int: [PositionScore?]] = [:]
    /// Every prompt position's whole distribution, written out as it is computed, when asked for.
    private var distributions: DistributionCapture?

    convenience init(job: CompletionJob, engine: Engine) {
        self.init(job, scoredFrom: 1, sharedContext: nil, promptEnd: job.prompt.count, engine: engine)
    }

    convenience init(scoring: ScoringJob, engine: Engine) {
        let prompt = scoring.context + scoring.continuation
        let scoresSomething = !scoring.continuation.isEmpty
        var job = CompletionJob(prompt: prompt, promptLogprobs: scoresSomething ? scoring.topK : nil, maxTokens: 0)
        job.instruments.steering = scoring.steering
        self.init(job,
                  scoredFrom: scoring.context.count, sharedContext: scoring.context.count,
                  promptEnd: scoresSomething ? prompt.count - 1 : prompt.count, engine: engine)
    }

    private init(_ job: CompletionJob, scoredFrom: Int, sharedContext: Int?, promptEnd: Int, engine: Engine) {
        precondition(!job.prompt.isEmpty, "a job needs at least one prompt token")
        let model = engine.model
        self.job = job
        self.scoredFrom = scoredFrom
        self.sharedContext = sharedContext
        self.promptEnd = promptEnd
        cache = model.makeCache(capacity: promptEnd + job.maxTokens)
        sampler = Sampler(job.sampling)
        scores = [PositionScore?](repeating: nil, count: job.promptLogprobs == nil ? 0 : job.prompt.count)
        lastLogits = .allocate(capacity: model.config.vocabularySize)
        if !job.instruments.captureLayers.isEmpty {
            do {
                capture = try ActivationCapture(layers: job.instruments.captureLayers, hiddenSize: model.config.hiddenSize)
            } catch {
                captureFailure = error
            }
        }
        if job.instruments.fullDistribution {
            do {
                distributions = try DistributionCapture(vocabularySize: model.config.vocabularySize)
            } catch {
                captureFailure = captureFailure ?? error
            }
        }
        for layer in job.instruments.lensLayers { lens[layer] = [PositionScore?](repeating: nil, count: job.prompt.count) }
    }

    deinit {
        lastLogits.deallocate()
    }

    /// Takes the job's whole KV memory (prompt and every token it may generate)
    /// so that it never runs short midway, starting from the longest prefix the
    /// cache holds that the job needs no scores within. Returns false, holding
    /// nothing, when the pool cannot give that much now.
    func admit(engine: Engine) -> Bool {
        guard !isAdmitted else { return true }
        // A scored position needs the logits of the one before, so only positions
        // before that can come from the cache; at least one token is evaluated.
        // Instruments read (or change) every position, so none comes from the cache.
        let reusable = job.instruments.isEmpty ? (job.promptLogprobs == nil ? promptEnd : scoredFrom) - 1 : 0
        guard engine.reserve(cache, prompt: job.prompt, reusing: reusable, partialBlocks: sharedContext != nil) else { return false }
        cachedTokens = cache.count
        prefilled = cache.count
        isAdmitted = true
        return true
    }

    var isPrefilling: Bool { prefilled < promptEnd }

    /// What the next forward pass should evaluate: up to `budget` tokens of the
    /// prompt, or the token generated last; empty when there is nothing to do.
    func nextInput(budget: Int) -> ArraySlice<Int> {
        if isFinished { return [] }
        if isPrefilling { return job.prompt[prefilled..<min(prefilled + max(1, budget), promptEnd)] }
        if let token = pendingToken { return [token][...] }
        return []
    }

    /// Takes in the final hidden states of the prompt chunk `nextInput` gave:
    /// scores its positions when asked, and once the prompt is complete keeps
    /// it in the prefix cache, reports the scores and picks the first token.
    func absorbPrompt(hidden: UnsafePointer<Float>, count: Int, engine: Engine, emit: (EngineEvent) -> Bool) {
        let range = prefilled..<(prefilled + count)
        engine.scorePrompt(hidden: hidden, prompt: job.prompt, range: range, from: scoredFrom, topK: job.promptLogprobs,
                           temperature: job.promptLogprobsTemperature, entropy: job.returnEntropy, next: job.maxTokens > 0, scores: &scores,
                           lastLogits: lastLogits, distributions: distributions)
        prefilled = range.upperBound
        guard !isPrefilling else { return }
        if job.instruments.changesActivations {
            // Steered keys and values are not the prompt's own: other jobs may not reuse them.
        } else if let context = sharedContext {
            engine.prefixCache?.insert(job.prompt, blocks: cache.blocks, count: context, tail: true)
        } else {
            engine.prefixCache?.insert(job.prompt, blocks: cache.blocks, count: job.prompt.count)
        }
        if job.promptLogprobs != nil, !emit(.promptScores(scores)) { return finish(.stoppedByCaller, emit) }
        if job.maxTokens == 0 { return finish(.length, emit) }
        sampleNext(engine: engine, emit: emit)
    }

    /// The last generated token has been evaluated and `lastLogits` filled: pick the next.
    func absorbToken(engine: Engine, emit: (EngineEvent) -> Bool) {
        pendingToken = nil
        sampleNext(engine: engine, emit: emit)
    }

    private func sampleNext(engine: Engine, emit: (EngineEvent) -> Bool) {
        let vocab = engine.vocabularySize
        // Until min_tokens are out, the end-of-sequence and stop tokens cannot be chosen (as vLLM).
        var banned: Set<Int> = []
        if generated < job.minTokens {
            banned = job.stopTokenIds
            if !job.ignoreEOS, let eos = engine.tokenizer.eosTokenId { banned.insert(eos) }
        }
        let id = sampler.sample(lastLogits, count: vocab, prompt: job.prompt, generated: generatedIds, banned: banned)
        let s = scoreLogits(lastLogits, vocabularySize: vocab, target: id, topK: job.logprobs ?? 0)
        generated += 1
        generatedIds.append(id)
        let h = job.returnEntropy ? entropy(ofLogits: lastLogits, count: vocab) : nil
        guard emit(.token(GeneratedToken(id: id, logprob: s.logprob, rank: s.rank, top: s.top, entropy: h))) else {
            return finish(.stoppedByCaller, emit)
        }
        if job.stopTokenIds.contains(id) { return finish(.stopToken(id), emit) }
        if !job.ignoreEOS, id == engine.tokenizer.eosTokenId { return finish(.stopToken(id), emit) }
        if generated == job.maxTokens { return finish(.length, emit) }
        pendingToken = id
    }

    /// Ends the job without reporting anything more (the consumer went away),
    /// giving its memory back at once.
    func cancel() {
        isFinished = true
        cache.reset()
    }

    private func finish(_ reason: FinishReason, _ emit: (EngineEvent) -> Bool) {
        isFinished = true
        cache.reset()
        if job.instruments.hasReadings {
            var readings = InstrumentReadings(lens: lens)
            do {
                readings.activations = try capture?.finish()
                readings.distributions = try distributions?.finish()
            } catch {
                captureFailure = captureFailure ?? error
            }
            if let captureFailure {
                // Nothing half-written is handed over: the request fails as a whole.
                readings.activations = nil
                readings.distributions = nil
                readings.captureFailure = captureFailure.description
            }
            _ = emit(.instruments(readings))
            capture = nil
            distributions = nil
        }
        _ = emit(.finished(reason))
    }

    /// The residual stream after block `layer` for this job's `rows` positions
    /// of the pass, the first at `position`: steers it, then captures it and
    /// reads the logit lens from it.
    func observe(layer: Int, residual: UnsafeMutablePointer<Float>, rows: Int, position: Int, engine: Engine) {
        let instruments = job.instruments
        let h = engine.config.hiddenSize
        for s in instruments.steering where s.layers.contains(layer) {
            s.vector.withUnsafeBufferPointer { v in
                for r in 0..<rows where s.applies(at: position + r) {
                    let row = residual + r * h
                    for i in 0..<h { row[i] += s.scale * v[i] }
                }
            }
        }
        capture?.append(layer: layer, rows: residual, count: rows)
        if instruments.lensLayers.contains(layer) {
            // Prompt positions only: position p predicts prompt token p + 1.
            let scored = max(0, min(rows, job.prompt.count - 1 - position))
            guard scored > 0 else { return }
            lens[layer]!.withUnsafeMutableBufferPointer { out in
                engine.lens(residual: residual, rows: scored, position: position, prompt: job.prompt,
                            topK: instruments.lensTopK, into: out)
            }
        }
    }
}
