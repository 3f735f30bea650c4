import Foundation
import GGUF
import Kernels
import Model
import Tokenizer

/// A loaded model with its tokenizer: scores prompts and continuations and
/// generates.
///
/// Every job, whoever submits it (`submit`, `run`, `scoreContinuations`), goes
/// through one scheduler thread that drives the model, batched continuously:
/// each step carries the next token of every generating job plus chunks of
/// waiting prompts and scored continuations, and a job joins or leaves between
/// steps. A prompt is evaluated in chunks of at most `prefillChunk` tokens per
/// step and its logits are formed `logitRows` positions at a time, so memory
/// stays bounded however long the prompt.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let prefillChunk: Int
    /// Tokens one batched step evaluates at most (decode tokens plus prompt chunks).
    var tokenBudget: Int { prefillChunk }
    let logitRows = 128
    /// The only caller of the model. Set once, at the end of `init`, before the
    /// engine can be shared.
    private(set) var scheduler: Scheduler!

    /// Prompt prefixes kept for reuse; nil when prefix reuse is off.
    let prefixCache: PrefixCache?
    public var reusesPrefixes: Bool { prefixCache != nil }

    /// - kvCacheBytes: memory for the KV caches of all jobs together (see `LlamaModel`).
    /// - prefixReuse: keep computed prompt blocks so later prompts that start the same way skip them.
    public init(file: GGUFFile, threads: Int, prefillChunk: Int = 512, kvCacheBytes: Int? = nil, prefixReuse: Bool = true) throws {
        self.file = file
        self.prefillChunk = max(1, prefillChunk)
        tokenizer = try Tokenizer(gguf: file)
        model = try LlamaModel(file: file, threads: threads, kvCacheBytes: kvCacheBytes)
        prefixCache = prefixReuse ? PrefixCache(pool: model.kvPool) : nil
        guard tokenizer.vocabularySize == model.config.vocabularySize else {
            throw ModelError.invalidMetadata(
                key: "tokenizer.ggml.tokens",
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but the model's output has \(model.config.vocabularySize)")
        }
        scheduler = Scheduler(engine: self)
    }

    public convenience init(modelPath: String, threads: Int, kvCacheBytes: Int? = nil, prefixReuse: Bool = true) throws {
        try self.init(file: try GGUFFile(path: modelPath), threads: threads, kvCacheBytes: kvCacheBytes, prefixReuse: prefixReuse)
    }

    public var config: LlamaConfig { model.config }
    public var contextLength: Int { model.config.contextLength }
    public var vocabularySize: Int { model.config.vocabularySize }

    /// Runs one job to its end, blocking the calling thread while the
    /// scheduler runs it beside any submitted jobs. `onPromptScores` receives
    /// one entry per prompt token (nil for the first, which has no context) when
    /// the job asks for prompt logprobs; `onToken` receives each generated token
    /// and returns false to stop. Returns why generation ended (`.length` when
    /// `maxTokens` is 0). The callbacks run on the calling thread.
    @discardableResult
    public func run(
        _ job: CompletionJob,
        onPromptScores: ([PositionScore?]) -> Void = { _ in },
        onToken: (GeneratedToken) -> Bool = { _ in true }
    ) -> FinishReason {
        let events = EventQueue()
        let submitted = Scheduler.Job(sequence: SequenceRun(job: job, engine: self), deliver: { events.push($0) })
        scheduler.submit([submitted])
        var stopped = false
        while true {
            switch events.next() {
            case .promptScores(let s) where !stopped: onPromptScores(s)
            case .token(let t) where !stopped:
                if !onToken(t) {
                    // Tokens already on their way are not delivered; the job ends at the next step.
                    stopped = true
                    scheduler.cancel(submitted)
                }
            case .finished(let reason): return stopped ? .stoppedByCaller : reason
            default: continue
            }
        }
    }

    /// Scores every position of `tokens` and returns the top `topK` there.
    public func score(_ tokens: [Int], topK: Int) -> [PositionScore?] {
        var result: [PositionScore?] = []
        run(CompletionJob(prompt: tokens, promptLogprobs: topK, maxTokens: 0), onPromptScores: { result = $0 })
        return result
    }

    /// Queues a job on the scheduler and returns its events as they happen; the
    /// stream ends after `.finished`. Cancelling the consuming task, or dropping
    /// the stream, cancels the job and frees its memory at the next step.
    public func submit(_ job: CompletionJob) -> AsyncStream<EngineEvent> {
        scheduler.stream([SequenceRun(job: job, engine: self)], priority: job.priority)[0]
    }

    /// Queues scoring jobs together (they join the same step when memory
    /// allows) and returns each one's events: `.admitted`, `.evaluated` for each
    /// step it rides in, `.promptScores` (one entry per position of context +
    /// continuation, nil before the continuation; none without a continuation)
    /// and `.finished`. Cancelling or dropping a stream cancels its job.
    public func submit(_ jobs: [ScoringJob]) -> [AsyncStream<EngineEvent>] {
        scheduler.stream(jobs.map { SequenceRun(scoring: $0, engine: self) }, priority: jobs.first?.priority ?? .interactive)
    }

    /// Jobs waiting or running on the scheduler.
    public var activeJobs: Int { scheduler.activeCount }

    /// Bytes of KV cache the jobs in progress hold (blocks they share with the
    /// prefix cache included; blocks only the prefix cache holds are not: they
    /// are given back whenever a job needs the memory).
    public var kvCacheBytes: Int {
        (model.kvPool.blocksInUse - (prefixCache?.idleBlocks ?? 0)) * model.kvPool.blockBytes
    }

    /// Prompt blocks the prefix cache holds.
    public var prefixCacheBlocks: Int { prefixCache?.blockCount ?? 0 }
}

/// What a submitted job reports, in order: its admission, the steps it rides
/// in, prompt scores (when asked for), each generated token, then why it finished.
public enum EngineEvent: Sendable, Equatable {
    /// The job has its memory and joins the running batch; the first
    /// `cachedPromptTokens` of its prompt come from the prefix cache.
    case admitted(cachedPromptTokens: Int)
    /// `tokens` of the job were evaluated in the engine's batched step number
    /// `step`, beside whatever other jobs' tokens that step carried.
    case evaluated(step: Int, tokens: Int)
    case promptScores([PositionScore?])
    /// What the job's instruments read (captured activations, the logit lens),
    /// once, just before `.finished`.
    case instruments(InstrumentReadings)
    case token(GeneratedToken)
    case finished(FinishReason)
}
