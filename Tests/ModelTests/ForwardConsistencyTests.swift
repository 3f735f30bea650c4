import GGUF
import Model
import TestSupport
import XCTest

/// The KV cache and batching must not change the numbers: a prompt evaluated in
/// one pass, in chunks, or one token at a time gives the same hidden states.
final class ForwardConsistencyTests: XCTestCase {
    func testBatchedChunkedAndSingleTokenPassesAgree() throws {
        for path in [TestPaths.tinyLlama3, TestPaths.defaultModel] {
            let model = try LlamaModel(path: try TestPaths.require(path), threads: 2)
            let tokens = (0..<37).map { ($0 * 7919 + 13) % model.config.vocabularySize }
            let whole = hiddenStates(model, tokens, chunk: tokens.count)
            for chunk in [1, 5, 16] {
                let other = hiddenStates(model, tokens, chunk: chunk)
                var worst: Float = 0
                for (a, b) in zip(whole, other) { worst = max(worst, abs(a - b)) }
                XCTAssertLessThan(worst, 2e-3, "\(path.lastPathComponent): chunks of \(chunk) differ by \(worst)")
            }
        }
    }

    func testCacheTruncationReplaysTheSameContinuation() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.tinyLlama3), threads: 1)
        let tokens = [128_000, 791, 6864, 315, 9822, 374]
        let cache = model.makeCache(capacity: 16)
        let h = model.config.hiddenSize
        var first = [Float](repeating: 0, count: tokens.count * h)
        first.withUnsafeMutableBufferPointer { model.forward(tokens, cache: cache, hidden: $0.baseAddress!) }
        cache.truncate(to: 3)
        var again = [Float](repeating: 0, count: 3 * h)
        again.withUnsafeMutableBufferPointer { model.forward(Array(tokens[3...]), cache: cache, hidden: $0.baseAddress!) }
        for (a, b) in zip(first[(3 * h)...], again) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(cache.count, 6)
    }

    /// Several sequences in one pass (continuous batching) get the same hidden
    /// states as each on its own: every sequence attends only to its own cache.
    func testSequencesBatchedTogetherMatchEachAlone() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.defaultModel), threads: 2)
        let h = model.config.hiddenSize
        let vocab = model.config.vocabularySize
        let prompts = [(0..<23).map { ($0 * 7919 + 13) % vocab }, (0..<9).map { ($0 * 104_729 + 5) % vocab }, [42]]
        // Each sequence first has some history of its own, then all take one step together.
        let caches = prompts.map { model.makeCache(capacity: $0.count + 8) }
        var scratch = [Float](repeating: 0, count: 23 * h)
        for (prompt, cache) in zip(prompts, caches) {
            scratch.withUnsafeMutableBufferPointer { model.forward(Array(prompt.dropLast()), cache: cache, hidden: $0.baseAddress!) }
        }
        let steps: [ArraySlice<Int>] = prompts.map { $0.suffix(1) }
        var batched = [Float](repeating: 0, count: 3 * h)
        batched.withUnsafeMutableBufferPointer { out in
            model.forward(zip(steps, caches).map { BatchSlice(tokens: $0, cache: $1) }, hidden: out.baseAddress!)
        }
        for (i, prompt) in prompts.enumerated() {
            let alone = hiddenStates(model, prompt, chunk: prompt.count)
            var worst: Float = 0
            for j in 0..<h { worst = max(worst, abs(alone[(prompt.count - 1) * h + j] - batched[i * h + j])) }
            XCTAssertLessThan(worst, 2e-3, "sequence \(i) differs by \(worst) when batched")
            XCTAssertEqual(caches[i].count, prompt.count)
        }
    }

    private func hiddenStates(_ model: LlamaModel, _ tokens: [Int], chunk: Int) -> [Float] {
        let h = model.config.hiddenSize
        let cache = model.makeCache(capacity: tokens.count)
        var out = [Float](repeating: 0, count: tokens.count * h)
        out.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            while start < tokens.count {
                let end = min(start + chunk, tokens.count)
                model.forward(Array(tokens[start..<end]), cache: cache, hidden: buffer.baseAddress! + start * h)
                start = end
            }
        }
        return out
    }
}
