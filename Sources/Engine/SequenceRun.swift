import Kernels
import Model

/// One job in progress: its cache, its sampler and how far it has got. The
/// engine advances it one step at a time (a prefill chunk or one generated
/// token) so that several jobs can take turns on the model.
final class SequenceRun {
    enum Event {
        case promptScores([PositionScore?])
        case token(GeneratedToken)
        case finished(FinishReason)
    }

    let job: CompletionJob
    private let cache: KVCache
    private var sampler: Sampler
    private var scores: [PositionScore?]
    private let lastLogits: UnsafeMutablePointer<Float>
    private var prefilled = 0
    private var generated = 0
    private var pendingToken: Int?
    private var generatedIds: [Int] = []
    private(set) var isFinished = false

    private let memory: MemoryGauge

    init(job: CompletionJob, engine: Engine) {
        precondition(!job.prompt.isEmpty, "a job needs at least one prompt token")
        let model = engine.model
        self.job = job
        cache = model.makeCache(capacity: job.prompt.count + job.maxTokens)
        memory = engine.kvCacheGauge
        memory.add(cache.byteCount)
        sampler = Sampler(job.sampling)
        scores = [PositionScore?](repeating: nil, count: job.promptLogprobs == nil ? 0 : job.prompt.count)
        lastLogits = .allocate(capacity: model.config.vocabularySize)
    }

    deinit {
        lastLogits.deallocate()
        memory.add(-cache.byteCount)
    }

    /// Does one step of work and reports what came of it through `emit`, which
    /// returns false when the consumer wants no more (the job then ends).
    func step(engine: Engine, emit: (Event) -> Bool) {
        guard !isFinished else { return }
        if prefilled < job.prompt.count {
            let end = min(prefilled + engine.prefillChunk, job.prompt.count)
            engine.evaluate(prompt: job.prompt, range: prefilled..<end, cache: cache, topK: job.promptLogprobs,
                            scores: &scores, lastLogits: lastLogits)
            prefilled = end
            guard prefilled == job.prompt.count else { return }
            if job.promptLogprobs != nil, !emit(.promptScores(scores)) { return finish(.stoppedByCaller, emit) }
            if job.maxTokens == 0 { return finish(.length, emit) }
            return
        }
        if let previous = pendingToken {
            engine.evaluate(token: previous, cache: cache, lastLogits: lastLogits)
            pendingToken = nil
        }
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
        guard emit(.token(GeneratedToken(id: id, logprob: s.logprob, rank: s.rank, top: s.top))) else {
            return finish(.stoppedByCaller, emit)
        }
        if job.stopTokenIds.contains(id) { return finish(.stopToken(id), emit) }
        if !job.ignoreEOS, id == engine.tokenizer.eosTokenId { return finish(.stopToken(id), emit) }
        if generated == job.maxTokens { return finish(.length, emit) }
        pendingToken = id
    }

    /// Ends the job without reporting anything more (the consumer went away).
    func cancel() { isFinished = true }

    private func finish(_ reason: FinishReason, _ emit: (Event) -> Bool) {
        isFinished = true
        _ = emit(.finished(reason))
    }
}
