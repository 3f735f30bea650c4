@testable import Engine
import Foundation
import Kernels
import TestSupport
import XCTest

/// `prompt_logprobs: -1` at the engine: the whole log-softmax at every prompt
/// position, written to a file as it is computed. Checked against the float64
/// reference of Tests/Data/golden/*.json (logprobs within 1e-3), against
/// itself (each row sums to probability 1), and against the top-k path, which
/// it must equal bit for bit.
final class FullDistributionTests: XCTestCase {
    static let tolerance = 1e-3

    private struct Run {
        var scores: [PositionScore?] = []
        var distributions: CapturedDistributions?
        var cachedTokens = 0
    }

    private func run(_ engine: Engine, _ ids: [Int], topK: Int? = 5, temperature: Float = 1, full: Bool = true) async -> Run {
        var job = CompletionJob(prompt: ids, promptLogprobs: topK, maxTokens: 0, promptLogprobsTemperature: temperature)
        job.instruments.fullDistribution = full
        var result = Run()
        for await event in engine.submit(job) {
            switch event {
            case .admitted(let cached): result.cachedTokens = cached
            case .promptScores(let s): result.scores = s
            case .instruments(let r): result.distributions = r.distributions
            default: break
            }
        }
        return result
    }

    /// The file's rows as logprobs, with the logits they come from: row j is the distribution for prompt token j + 1.
    private func rows(_ d: CapturedDistributions) throws -> [(logits: [Float], logprobs: [Float])] {
        let data = try Data(contentsOf: d.file)
        XCTAssertEqual(data.count, d.rows * d.vocabularySize * 4)
        let all = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (0..<d.rows).map { j in
            let logits = Array(all[(j * d.vocabularySize)..<((j + 1) * d.vocabularySize)])
            return (logits, logits.map { d.logprob(logit: $0, row: j) })
        }
    }

    func testSmolLM2DistributionsMatchTheReferenceAndTheTopKPath() async throws {
        try await check(model: TestPaths.defaultModel, golden: "smollm2.json")
    }

    func testTinyLlama3DistributionsMatchTheReferenceAndTheTopKPath() async throws {
        try await check(model: TestPaths.tinyLlama3, golden: "tiny-llama3.json")
    }

    private func check(model path: URL, golden name: String) async throws {
        let engine = try Engine(modelPath: try TestPaths.require(path), threads: 2)
        for (index, c) in try GoldenFile.load(name).cases.enumerated() {
            let label = "\(name) case \(index)"
            let r = await run(engine, c.token_ids)
            let d = try XCTUnwrap(r.distributions, label)
            XCTAssertEqual(d.rows, c.token_ids.count - 1, label)
            XCTAssertEqual(d.vocabularySize, engine.vocabularySize, label)
            for (j, (logits, row)) in try rows(d).enumerated() {
                let i = j + 1
                let here = "\(label) position \(i)"
                let ours = try XCTUnwrap(r.scores[i], here)
                let ref = try XCTUnwrap(c.prompt_logprobs[i], here)
                // A distribution: the probabilities add up to 1.
                let top = Double(row.max()!)
                let logSumExp = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
                XCTAssertEqual(logSumExp, 0, accuracy: 1e-4, "\(here): logsumexp")
                // The top-k path's numbers, bit for bit: the actual token, its rank, the top-k.
                XCTAssertEqual(row[ref.token_id].bitPattern, ours.logprob.bitPattern, "\(here): actual token's logprob")
                XCTAssertEqual(1 + logits.filter { $0 > logits[ref.token_id] }.count, ours.rank, "\(here): actual token's rank")
                for t in ours.top { XCTAssertEqual(row[t.id].bitPattern, t.logprob.bitPattern, "\(here): top-k id \(t.id)") }
                // The float64 reference at its own ids.
                XCTAssertEqual(Double(row[ref.token_id]), ref.logprob, accuracy: Self.tolerance, "\(here): logprob")
                let nearTies = row.filter { abs(Double($0) - ref.logprob) <= 2 * Self.tolerance }.count
                XCTAssertLessThanOrEqual(abs(ours.rank - ref.rank), nearTies, "\(here): rank \(ours.rank) vs reference \(ref.rank)")
                for alt in ref.top {
                    XCTAssertEqual(Double(row[alt.id]), alt.logprob, accuracy: Self.tolerance, "\(here): reference top id \(alt.id)")
                }
            }
        }
    }

    func testSmolLM2WholeDistributionsMatchTheReferenceEntryByEntry() async throws {
        try await checkWhole(model: TestPaths.defaultModel, reference: "smollm2")
    }

    func testTinyLlama3WholeDistributionsMatchTheReferenceEntryByEntry() async throws {
        try await checkWhole(model: TestPaths.tinyLlama3, reference: "tiny-llama3")
    }

    /// Every one of the vocabulary's entries, not only the top-k, against the float64
    /// reference's whole log-softmax (scripts/reference-instruments.py, `full`).
    private func checkWhole(model path: URL, reference name: String) async throws {
        let full = try XCTUnwrap(try GoldenInstruments.load(name).full, "\(name).instruments.json has no `full` section")
        let engine = try Engine(modelPath: try TestPaths.require(path), threads: 2)
        let vocabulary = engine.vocabularySize
        XCTAssertEqual(full.shape, [full.positions.count, vocabulary])
        let expected = full.values
        let r = await run(engine, full.token_ids, topK: 1)
        let ours = try rows(try XCTUnwrap(r.distributions)).map(\.logprobs)
        for (k, position) in full.positions.enumerated() {
            let row = ours[position - 1]  // row j predicts token j + 1
            var worst = 0.0
            for i in 0..<vocabulary {
                worst = max(worst, abs(Double(row[i]) - Double(expected[k * vocabulary + i])))
            }
            XCTAssertLessThan(worst, Self.tolerance, "\(name) position \(position): largest difference over \(vocabulary) entries")
        }
    }

    /// `prompt_logprobs_temperature` applies to the whole distribution as to the top-k.
    func testTemperatureAppliesToTheWholeDistribution() async throws {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        let ids = [128_000, 791, 6864, 315, 9822]
        let hot = await run(engine, ids, temperature: 2)
        let cold = await run(engine, ids)
        let hotRows = try rows(try XCTUnwrap(hot.distributions)).map(\.logprobs)
        let coldRows = try rows(try XCTUnwrap(cold.distributions)).map(\.logprobs)
        for (j, (h, c)) in zip(hotRows, coldRows).enumerated() {
            let s = try XCTUnwrap(hot.scores[j + 1])
            XCTAssertEqual(h[s.tokenId].bitPattern, s.logprob.bitPattern)
            for t in s.top { XCTAssertEqual(h[t.id].bitPattern, t.logprob.bitPattern) }
            XCTAssertNotEqual(h, c, "temperature 2 flattens the distribution")
        }
    }

    /// Every position is evaluated: a prompt the prefix cache holds is not reused.
    func testPromptBlocksAreNeverReusedFromThePrefixCache() async throws {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        let ids = Array(repeating: [791, 6864, 315, 9822], count: 20).flatMap { $0 }
        _ = await run(engine, ids, topK: nil, full: false)
        let again = await run(engine, ids, topK: nil, full: false)
        XCTAssertGreaterThan(again.cachedTokens, 0, "without full distributions the prefix is reused")
        let full = await run(engine, ids)
        XCTAssertEqual(full.cachedTokens, 0)
        XCTAssertEqual(full.distributions?.rows, ids.count - 1)
    }

    /// The file goes with the last reference, once the response is sent.
    func testTheFileIsRemovedWithTheLastReference() async throws {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        var r = await run(engine, [128_000, 791, 6864])
        let file = try XCTUnwrap(r.distributions?.file)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path))
        r.distributions = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
    }

    /// A job cancelled before it finishes never hands its file over: the file goes with the capture.
    func testAFileNeverHandedOverIsRemoved() throws {
        let directory = FileManager.default.temporaryDirectory.path
        func files() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("baseserve-distributions-") })
        }
        let before = try files()
        var capture: DistributionCapture? = try DistributionCapture(vocabularySize: 4)
        let row: [Float] = [1, 2, 3, 4]
        row.withUnsafeBufferPointer { capture!.append(logits: $0.baseAddress!, logSumExps: [4.44][...]) }
        XCTAssertEqual(try files().subtracting(before).count, 1)
        capture = nil
        XCTAssertEqual(try files(), before)
    }
}
