import Foundation
import GGUF
import Kernels
import Model
import Tokenizer

/// A loaded model with its tokenizer: scores prompts and generates continuations.
///
/// A prompt is evaluated in chunks of `prefillChunk` tokens, each one batched
/// pass, and its logits are formed `logitRows` positions at a time, so memory
/// stays bounded however long the prompt. Jobs submitted with `submit` run
/// together on a scheduler thread, batched continuously: each step carries the
/// next token of every generating job plus chunks of waiting prompts, and a job
/// joins or leaves between steps. `run` does one job on the calling thread.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let prefillChunk: Int
    /// Tokens one batched step evaluates at most (decode tokens plus prompt chunks).
    var tokenBudget: Int { prefillChunk }
    let logitRows = 128
    /// Held for every step on the model: the model's scratch space and thread
    /// pool serve one step at a time.
    let modelLock = NSLock()
    lazy var scheduler = Scheduler(engine: self)

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
    }

    public convenience init(modelPath: String, threads: Int, kvCacheBytes: Int? = nil, prefixReuse: Bool = true) throws {
        try self.init(file: try GGUFFile(path: modelPath), threads: threads, kvCacheBytes: kvCacheBytes, prefixReuse: prefixReuse)
    }

    public var config: LlamaConfig { model.config }
    public var contextLength: Int { model.config.contextLength }
    public var vocabularySize: Int { model.config.vocabularySize }

    /// Runs one job to its end on the calling thread. `onPromptScores` receives
    /// one entry per prompt token (nil for the first, which has no context) when
    /// the job asks for prompt logprobs; `onToken` receives each generated token
    /// and returns false to stop. Returns why generation ended (`.length` when
    /// `maxTokens` is 0).
    @discardableResult
    public func run(
        _ job: CompletionJob,
        onPromptScores: ([PositionScore?]) -> Void = { _ in },
        onToken: (GeneratedToken) -> Bool = { _ in true }
    ) -> FinishReason {
        let sequence = SequenceRun(job: job, engine: self)
        waitForMemory { sequence.admit(engine: self) }
        var reason = FinishReason.length
        withoutActuallyEscaping(onPromptScores) { onPromptScores in
            withoutActuallyEscaping(onToken) { onToken in
                let participant = StepParticipant(sequence: sequence) { event in
                    switch event {
                    case .promptScores(let s): onPromptScores(s); return true
                    case .token(let t): return onToken(t)
                    case .finished(let r): reason = r; return true
                    }
                }
                while !sequence.isFinished {
                    modelLock.lock()
                    step([participant])
                    modelLock.unlock()
                }
            }
        }
        return reason
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
        scheduler.submit(job)
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

    /// Retries `reserve` until it succeeds: KV memory held by other jobs comes
    /// back as they finish (a single job always fits: the pool holds a full context).
    /// Returns false, having taken nothing, when `shouldStop` says so first.
    @discardableResult
    func waitForMemory(_ reserve: () -> Bool, shouldStop: () -> Bool = { false }) -> Bool {
        while true {
            modelLock.lock()
            let done = reserve()
            modelLock.unlock()
            if done { return true }
            if shouldStop() { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}

/// What a submitted job reports, in order: its admission, prompt scores (when
/// asked for), each generated token, then why it finished.
public enum EngineEvent: Sendable, Equatable {
    /// The job has its memory and joins the running batch; the first
    /// `cachedPromptTokens` of its prompt come from the prefix cache.
    case admitted(cachedPromptTokens: Int)
    case promptScores([PositionScore?])
    case token(GeneratedToken)
    case finished(FinishReason)
}
