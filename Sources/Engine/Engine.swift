import Foundation
import GGUF
import Kernels
import Model
import Tokenizer

/// A loaded model with its tokenizer: scores prompts and generates continuations.
///
/// A prompt is evaluated in chunks of `prefillChunk` tokens, each one batched
/// pass, and its logits are formed `logitRows` positions at a time, so memory
/// stays bounded however long the prompt. One job runs at a time.
public final class Engine: @unchecked Sendable {
    public let file: GGUFFile
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let prefillChunk = 512
    let logitRows = 128
    private let lock = NSLock()

    public init(file: GGUFFile, threads: Int) throws {
        self.file = file
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

    /// Runs one job. `onPromptScores` receives one entry per prompt token (nil for
    /// the first, which has no context) when the job asks for prompt logprobs;
    /// `onToken` receives each generated token and returns false to stop.
    /// Returns why generation ended (`.length` when `maxTokens` is 0).
    @discardableResult
    public func run(
        _ job: CompletionJob,
        onPromptScores: ([PositionScore?]) -> Void = { _ in },
        onToken: (GeneratedToken) -> Bool = { _ in true }
    ) -> FinishReason {
        lock.lock()
        defer { lock.unlock() }
        precondition(!job.prompt.isEmpty, "a job needs at least one prompt token")
        let vocab = vocabularySize
        let cache = model.makeCache(capacity: job.prompt.count + job.maxTokens)
        let lastLogits = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        defer { lastLogits.deallocate() }

        let scores = prefill(job.prompt, cache: cache, topK: job.promptLogprobs, lastLogits: lastLogits)
        if job.promptLogprobs != nil { onPromptScores(scores) }
        guard job.maxTokens > 0 else { return .length }

        var sampler = Sampler(job.sampling)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: config.hiddenSize)
        defer { hidden.deallocate() }
        for step in 0..<job.maxTokens {
            let id = sampler.sample(lastLogits, count: vocab)
            let s = scoreLogits(lastLogits, vocabularySize: vocab, target: id, topK: job.logprobs ?? 0)
            let token = GeneratedToken(id: id, logprob: s.logprob, rank: s.rank, top: s.top)
            guard onToken(token) else { return .stoppedByCaller }
            if step + 1 >= job.minTokens {
                if job.stopTokenIds.contains(id) { return .stopToken(id) }
                if !job.ignoreEOS, id == tokenizer.eosTokenId { return .stopToken(id) }
            }
            if step + 1 == job.maxTokens { break }
            model.forward([id], cache: cache, hidden: hidden)
            model.logits(hidden: hidden, rows: 1, output: lastLogits)
        }
        return .length
    }

    /// Scores every position of `tokens` and returns the top `topK` there.
    public func score(_ tokens: [Int], topK: Int) -> [PositionScore?] {
        var result: [PositionScore?] = []
        run(CompletionJob(prompt: tokens, promptLogprobs: topK, maxTokens: 0), onPromptScores: { result = $0 })
        return result
    }

    /// Evaluates the prompt into `cache`, scoring positions when `topK` is set,
    /// and leaves the logits after the last prompt token in `lastLogits`.
    private func prefill(_ prompt: [Int], cache: KVCache, topK: Int?, lastLogits: UnsafeMutablePointer<Float>) -> [PositionScore?] {
        let vocab = vocabularySize
        let hiddenSize = config.hiddenSize
        var scores = [PositionScore?](repeating: nil, count: topK == nil ? 0 : prompt.count)
        let chunk = min(prefillChunk, prompt.count)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: chunk * hiddenSize)
        defer { hidden.deallocate() }
        let logitCapacity = topK == nil ? 1 : min(logitRows, chunk)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: logitCapacity * vocab)
        defer { logits.deallocate() }

        var start = 0
        while start < prompt.count {
            let end = min(start + chunk, prompt.count)
            model.forward(Array(prompt[start..<end]), cache: cache, hidden: hidden)
            if let k = topK {
                // Row r predicts the token at start + r + 1.
                var first = 0
                while first < end - start {
                    let rows = min(logitCapacity, end - start - first)
                    model.logits(hidden: hidden + first * hiddenSize, rows: rows, output: logits)
                    let base = start + first
                    scores.withUnsafeMutableBufferPointer { out in
                        model.pool.parallelFor(rows) { r in
                            let target = base + r + 1
                            guard target < prompt.count else { return }
                            let s = scoreLogits(logits + r * vocab, vocabularySize: vocab, target: prompt[target], topK: k)
                            out[target] = PositionScore(tokenId: prompt[target], logprob: s.logprob, rank: s.rank, top: s.top)
                        }
                    }
                    if base + rows == prompt.count {
                        lastLogits.update(from: logits + (rows - 1) * vocab, count: vocab)
                    }
                    first += rows
                }
            } else if end == prompt.count {
                model.logits(hidden: hidden + (end - start - 1) * hiddenSize, rows: 1, output: lastLogits)
            }
            start = end
        }
        return scores
    }
}
