import Engine
import Kernels
import TestSupport
import XCTest

/// The engine's logprobs, ranks, top-k and greedy continuations against the
/// float64 reference in Tests/Data/golden, within the product's tolerance, at
/// every SIMD level the CPU has (AVX-512, AVX2, portable): each level has its
/// own kernels, and all of them must be exact.
final class GoldenScoringTests: XCTestCase {
    /// Where two candidates' reference logprobs are closer than this, their order
    /// may legitimately differ (Tests/Data/golden/README.md).
    static let tolerance = 1e-3

    func testSmolLM2MatchesTheFloat64Reference() throws {
        try check(model: try TestPaths.require(TestPaths.defaultModel), golden: "smollm2.json")
    }

    func testTinyLlama3MatchesTheFloat64Reference() throws {
        try check(model: try TestPaths.require(TestPaths.tinyLlama3), golden: "tiny-llama3.json")
    }

    private func check(model path: String, golden name: String) throws {
        defer { limitSIMD(.avx512) }
        var checked: [SIMDLimit] = []
        for level in SIMDLimit.allCases.reversed() {
            limitSIMD(level)
            // A cap above what the CPU has runs the same kernels as the level below it.
            guard !checked.contains(SIMDLimit.inUse) else { continue }
            checked.append(SIMDLimit.inUse)
            try check(model: path, golden: name, level: SIMDLimit.inUse)
        }
    }

    private func check(model path: String, golden name: String, level: SIMDLimit) throws {
        let engine = try Engine(modelPath: path, threads: 2)
        let golden = try GoldenFile.load(name)
        var worst = 0.0
        for (index, c) in golden.cases.enumerated() {
            let label = "\(name) [\(level.name)] case \(index) (\(c.prompt.prefix(30).debugDescription))"
            let ids = engine.tokenizer.encode(c.prompt)
            XCTAssertEqual(ids, c.token_ids, "\(label): tokens")
            guard ids == c.token_ids else { continue }

            let reference = FullLogprobs(engine: engine, tokens: ids)
            let scores = engine.score(ids, topK: 5)
            XCTAssertNil(scores[0], "\(label): position 0 has no context")
            for i in 1..<ids.count {
                guard let ours = scores[i], let ref = c.prompt_logprobs[i] else {
                    XCTFail("\(label): no score at position \(i)")
                    continue
                }
                let where_ = "\(label) position \(i)"
                XCTAssertEqual(ours.tokenId, ref.token_id, where_)
                worst = max(worst, abs(Double(ours.logprob) - ref.logprob))
                XCTAssertEqual(Double(ours.logprob), ref.logprob, accuracy: Self.tolerance, "\(where_): logprob")
                // A rank may differ only by the candidates within the tolerance of the actual token.
                let nearTies = reference.countNear(row: i - 1, logprob: Double(ours.logprob), excluding: ref.token_id)
                XCTAssertLessThanOrEqual(abs(ours.rank - ref.rank), nearTies, "\(where_): rank \(ours.rank) vs reference \(ref.rank)")
                checkTop(ours.top, ref.top, row: i - 1, reference: reference, label: "\(where_): top-5")
            }
            try checkNextTokenAndGreedy(engine: engine, ids: ids, c: c, reference: reference, label: label)
        }
        print("\(name) [\(level.name)]: largest logprob difference from the float64 reference \(worst)")
    }

    private func checkTop(_ ours: [TokenLogprob], _ ref: [GoldenAlternative], row: Int, reference: FullLogprobs, label: String) {
        XCTAssertEqual(ours.count, ref.count, label)
        for (j, (o, r)) in zip(ours, ref).enumerated() {
            XCTAssertEqual(Double(o.logprob), r.logprob, accuracy: Self.tolerance, "\(label) #\(j) logprob")
            if o.id != r.id {
                // Only a near-tie may swap two candidates.
                let gap = abs(reference.logprob(row: row, id: r.id) - Double(o.logprob))
                XCTAssertLessThanOrEqual(gap, 2 * Self.tolerance, "\(label) #\(j): id \(o.id) vs reference \(r.id)")
            }
        }
    }

    private func checkNextTokenAndGreedy(engine: Engine, ids: [Int], c: GoldenCase, reference: FullLogprobs, label: String) throws {
        let last = ids.count - 1
        let top = reference.top(row: last, k: 5)
        checkTop(top, c.next_token_top, row: last, reference: reference, label: "\(label): next-token top-5")

        var generated: [GeneratedToken] = []
        engine.run(CompletionJob(prompt: ids, maxTokens: c.greedy.token_ids.count,
                                 sampling: SamplingParameters(temperature: 0), ignoreEOS: true),
                   onToken: { generated.append($0); return true })
        XCTAssertEqual(generated.map(\.id), c.greedy.token_ids, "\(label): greedy continuation")
        for (g, ref) in zip(generated, c.greedy.logprobs) {
            XCTAssertEqual(Double(g.logprob), ref, accuracy: Self.tolerance, "\(label): greedy logprob")
        }
        XCTAssertEqual(engine.tokenizer.decode(generated.map(\.id)), c.greedy.text, "\(label): greedy text")
    }
}

/// Every position's full-vocabulary log-softmax, straight from the model's
/// logits, to tell which reference orderings are near-ties.
struct FullLogprobs {
    let vocabulary: Int
    let rows: [[Double]]

    init(engine: Engine, tokens: [Int]) {
        let model = engine.model
        let cache = model.makeCache(capacity: tokens.count)
        let h = model.config.hiddenSize
        let v = model.config.vocabularySize
        var hidden = [Float](repeating: 0, count: tokens.count * h)
        var logits = [Float](repeating: 0, count: tokens.count * v)
        hidden.withUnsafeMutableBufferPointer { hb in
            var start = 0
            while start < tokens.count {
                let end = min(start + 256, tokens.count)
                model.forward(Array(tokens[start..<end]), cache: cache, hidden: hb.baseAddress! + start * h)
                start = end
            }
            logits.withUnsafeMutableBufferPointer { model.logits(hidden: hb.baseAddress!, rows: tokens.count, output: $0.baseAddress!) }
        }
        vocabulary = v
        rows = (0..<tokens.count).map { r in
            let row = logits[r * v..<(r + 1) * v].map(Double.init)
            let m = row.max()!
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            return row.map { $0 - lse }
        }
    }

    func logprob(row: Int, id: Int) -> Double { rows[row][id] }

    func countNear(row: Int, logprob: Double, excluding id: Int) -> Int {
        var n = 0
        for (j, x) in rows[row].enumerated() where j != id && abs(x - logprob) <= 2 * GoldenScoringTests.tolerance { n += 1 }
        return n
    }

    func top(row: Int, k: Int) -> [TokenLogprob] {
        rows[row].enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
            .prefix(k).map { TokenLogprob(id: $0.offset, logprob: Float($0.element)) }
    }
}
