import Kernels
import Model

/// One job in progress: its cache, its sampler and how far it has got.
///
/// The engine advances many of these together, one batched step at a time
/// (`Engine.step`): each step asks every sequence for its next input (a chunk of
/// its prompt, or the token it generated last), evaluates all of them in one
/// forward pass, and hands each its results back.
final class SequenceRun {
    enum Event {
        case promptScores([PositionScore?])
        case token(GeneratedToken)
        case finished(FinishReason)
    }

    let job: CompletionJob
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

    init(job: CompletionJob, engine: Engine) {
        precondition(!job.prompt.isEmpty, "a job needs at least one prompt token")
        let model = engine.model
        self.job = job
        cache = model.makeCache(capacity: job.prompt.count + job.maxTokens)
        sampler = Sampler(job.sampling)
        scores = [PositionScore?](repeating: nil, count: job.promptLogprobs == nil ? 0 : job.prompt.count)
        lastLogits = .allocate(capacity: model.config.vocabularySize)
    }

    deinit {
        lastLogits.deallocate()
    }

    /// Takes the job's whole KV memory (prompt and every token it may generate)
    /// so that it never runs short midway, starting from the longest prefix the
    /// cache holds when the job's prompt needs no scores of its own. Returns
    /// false, holding nothing, when the pool cannot give that much now.
    func admit(engine: Engine) -> Bool {
        guard !isAdmitted else { return true }
        // Prompt logprobs need every position's logits, so such prompts are computed whole.
        guard engine.reserve(cache, prompt: job.prompt, reusePrefix: job.promptLogprobs == nil) else { return false }
        cachedTokens = cache.count
        prefilled = cache.count
        isAdmitted = true
        return true
    }

    var isPrefilling: Bool { prefilled < job.prompt.count }

    /// What the next forward pass should evaluate: up to `budget` tokens of the
    /// prompt, or the token generated last; empty when there is nothing to do.
    func nextInput(budget: Int) -> ArraySlice<Int> {
        if isFinished { return [] }
        if isPrefilling { return job.prompt[prefilled..<min(prefilled + max(1, budget), job.prompt.count)] }
        if let token = pendingToken { return [token][...] }
        return []
    }

    /// Takes in the final hidden states of the prompt chunk `nextInput` gave:
    /// scores its positions when asked, and once the prompt is complete reports
    /// the scores and picks the first token.
    func absorbPrompt(hidden: UnsafePointer<Float>, count: Int, engine: Engine, emit: (Event) -> Bool) {
        let range = prefilled..<(prefilled + count)
        engine.scorePrompt(hidden: hidden, prompt: job.prompt, range: range, topK: job.promptLogprobs,
                           scores: &scores, lastLogits: lastLogits)
        prefilled = range.upperBound
        guard !isPrefilling else { return }
        engine.prefixCache?.insert(job.prompt, blocks: cache.blocks, count: job.prompt.count)
        if job.promptLogprobs != nil, !emit(.promptScores(scores)) { return finish(.stoppedByCaller, emit) }
        if job.maxTokens == 0 { return finish(.length, emit) }
        sampleNext(engine: engine, emit: emit)
    }

    /// The last generated token has been evaluated and `lastLogits` filled: pick the next.
    func absorbToken(engine: Engine, emit: (Event) -> Bool) {
        pendingToken = nil
        sampleNext(engine: engine, emit: emit)
    }

    private func sampleNext(engine: Engine, emit: (Event) -> Bool) {
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

    /// Ends the job without reporting anything more (the consumer went away),
    /// giving its memory back at once.
    func cancel() {
        isFinished = true
        cache.reset()
    }

    private func finish(_ reason: FinishReason, _ emit: (Event) -> Bool) {
        isFinished = true
        cache.reset()
        _ = emit(.finished(reason))
    }
}
