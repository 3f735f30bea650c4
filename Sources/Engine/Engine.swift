import Foundation
import GGUF
import Kernels
import Model
import Tokenizer

/// A loaded model with its tokenizer: scores prompts and generates continuations.
///
/// A prompt is evaluated in chunks of `prefillChunk` tokens, each one batched
/// pass, and its logits are formed `logitRows` positions at a time, so memory
/// stays bounded however long the prompt. Jobs submitted with `submit` take
/// turns step by step on a scheduler thread, so a long generation does not
/// hold up a short request; `run` does one job on the calling thread.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let prefillChunk: Int
    let logitRows = 128
    /// Held for every step on the model: the model's scratch space and thread
    /// pool serve one step at a time.
    let modelLock = NSLock()
    lazy var scheduler = Scheduler(engine: self)

    public init(file: GGUFFile, threads: Int, prefillChunk: Int = 512) throws {
        self.file = file
        self.prefillChunk = max(1, prefillChunk)
        tokenizer = try Tokenizer(gguf: file)
        model = try LlamaModel(file: file, threads: threads)
        guard tokenizer.vocabularySize == model.config.vocabularySize else {
            throw ModelError.invalidMetadata(
                key: "tokenizer.ggml.tokens",
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but the model's output has \(model.config.vocabularySize)")
        }
    }

    public convenience init(modelPath: String, threads: Int) throws {
        try self.init(file: try GGUFFile(path: modelPath), threads: threads)
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
        var reason = FinishReason.length
        while !sequence.isFinished {
            modelLock.lock()
            sequence.step(engine: self) { event in
                switch event {
                case .promptScores(let s): onPromptScores(s); return true
                case .token(let t): return onToken(t)
                case .finished(let r): reason = r; return true
                }
            }
            modelLock.unlock()
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

    /// Bytes of KV cache held by the jobs in progress.
    public var kvCacheBytes: Int { kvCacheGauge.value }
    let kvCacheGauge = MemoryGauge()

    // MARK: - Steps (called with modelLock held)

    /// Evaluates `prompt[range]` into `cache`, scoring positions when `topK` is
    /// set; when the range ends the prompt, leaves the next-token logits in `lastLogits`.
    func evaluate(prompt: [Int], range: Range<Int>, cache: KVCache, topK: Int?,
                  scores: inout [PositionScore?], lastLogits: UnsafeMutablePointer<Float>) {
        let vocab = vocabularySize
        let hiddenSize = config.hiddenSize
        let count = range.count
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: count * hiddenSize)
        defer { hidden.deallocate() }
        model.forward(Array(prompt[range]), cache: cache, hidden: hidden)
        let endsPrompt = range.upperBound == prompt.count

        guard let k = topK else {
            if endsPrompt { model.logits(hidden: hidden + (count - 1) * hiddenSize, rows: 1, output: lastLogits) }
            return
        }
        let capacity = min(logitRows, count)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: capacity * vocab)
        defer { logits.deallocate() }
        var first = 0
        while first < count {
            let rows = min(capacity, count - first)
            model.logits(hidden: hidden + first * hiddenSize, rows: rows, output: logits)
            // Row r predicts the token at position base + r + 1.
            let base = range.lowerBound + first
            scores.withUnsafeMutableBufferPointer { out in
                model.pool.parallelFor(rows) { r in
                    let target = base + r + 1
                    guard target < prompt.count else { return }
                    let s = scoreLogits(logits + r * vocab, vocabularySize: vocab, target: prompt[target], topK: k)
                    out[target] = PositionScore(tokenId: prompt[target], logprob: s.logprob, rank: s.rank, top: s.top)
                }
            }
            if endsPrompt, base + rows == prompt.count {
                lastLogits.update(from: logits + (rows - 1) * vocab, count: vocab)
            }
            first += rows
        }
    }

    /// Evaluates one generated token and leaves the next-token logits in `lastLogits`.
    func evaluate(token: Int, cache: KVCache, lastLogits: UnsafeMutablePointer<Float>) {
        var hidden = [Float](repeating: 0, count: config.hiddenSize)
        hidden.withUnsafeMutableBufferPointer { h in
            model.forward([token], cache: cache, hidden: h.baseAddress!)
            model.logits(hidden: h.baseAddress!, rows: 1, output: lastLogits)
        }
    }
}

/// What a submitted job reports, in order: prompt scores (when asked for), each
/// generated token, then why it finished.
public enum EngineEvent: Sendable, Equatable {
    case promptScores([PositionScore?])
    case token(GeneratedToken)
    case finished(FinishReason)
}
