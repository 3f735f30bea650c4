@testable import Engine
import Kernels
import TestSupport
import XCTest

/// When two requests get bit-identical numbers (README, "Research instruments",
/// "Reproducibility"): a job computed by the same passes gets the same bits
/// whenever it runs; what shares its passes, or prefix reuse, may move the last
/// digits (the kernels add in an order that depends on a pass's rows), never
/// beyond the tolerance nor a greedy token.
final class ReproducibilityTests: XCTestCase {
    nonisolated(unsafe) static var engine: Engine?

    private func smol() throws -> Engine {
        if let e = Self.engine { return e }
        let e = try Engine(modelPath: try TestPaths.require(TestPaths.defaultModel), threads: 2, prefixReuse: false)
        Self.engine = e
        return e
    }

    /// Every number one job reports, as bit patterns.
    struct Numbers: Equatable {
        var prompt: [UInt32] = []
        var tokens: [Int] = []
        var generated: [UInt32] = []

        func largestDifference(from other: Numbers) -> Float {
            zip(prompt + generated, other.prompt + other.generated)
                .map { abs(Float(bitPattern: $0) - Float(bitPattern: $1)) }.max() ?? 0
        }
    }

    static let prompt = [504, 3575, 282, 4649, 314, 253, 1789, 1458, 28, 284, 3121, 2138, 282, 260, 1789, 314]

    private func job(_ prompt: [Int], tokens: Int = 8) -> CompletionJob {
        var job = CompletionJob(prompt: prompt, promptLogprobs: 5, maxTokens: tokens, logprobs: 5,
                                sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        job.returnEntropy = true
        return job
    }

    /// Runs `jobs` admitted together (so they share their steps), returning the numbers of job `reporting`.
    private func together(_ engine: Engine, _ jobs: [CompletionJob], reporting: Int = 0) async -> Numbers {
        let streams = engine.scheduler.stream(jobs.map { SequenceRun(job: $0, engine: engine) })
        var numbers = Numbers()
        await withTaskGroup(of: Numbers?.self) { group in
            for (i, stream) in streams.enumerated() {
                group.addTask {
                    var n = Numbers()
                    for await event in stream {
                        switch event {
                        case .promptScores(let scores):
                            for s in scores.compactMap({ $0 }) {
                                n.prompt += [s.logprob.bitPattern, s.entropy!.bitPattern] + s.top.map(\.logprob.bitPattern)
                            }
                        case .token(let t):
                            n.tokens.append(t.id)
                            n.generated += [t.logprob.bitPattern, t.entropy!.bitPattern] + t.top.map(\.logprob.bitPattern)
                        default: break
                        }
                    }
                    return i == reporting ? n : nil
                }
            }
            for await n in group { if let n { numbers = n } }
        }
        return numbers
    }

    func testTheSameJobAloneGivesTheSameBitsEveryTime() async throws {
        let engine = try smol()
        let first = await together(engine, [job(Self.prompt)])
        let second = await together(engine, [job(Self.prompt)])
        XCTAssertFalse(first.prompt.isEmpty)
        XCTAssertEqual(first, second)
    }

    /// Companions change which kernel computes a pass (one row, a few, or the
    /// GEMM from 40) and where the job's rows sit in it: the tokens stay, the
    /// numbers stay within the tolerance.
    func testBatchCompositionKeepsTokensAndStaysWithinTheTolerance() async throws {
        let engine = try smol()
        let alone = await together(engine, [job(Self.prompt)])
        let companions = [[job([504, 3575, 282]), job([9906, 28, 2138, 314])],
                          [job((0..<120).map { ($0 * 37) % 40_000 + 100 }, tokens: 1)]]
        for (i, others) in companions.enumerated() {
            // Ours first, then ours after the others.
            for (batch, index) in [([job(Self.prompt)] + others, 0), (others + [job(Self.prompt)], others.count)] {
                let ours = await together(engine, batch, reporting: index)
                XCTAssertEqual(alone.tokens, ours.tokens, "companions \(i)")
                let difference = alone.largestDifference(from: ours)
                print("companions \(i): largest difference \(difference)")
                XCTAssertLessThan(difference, 1e-3)
            }
        }
    }

    /// Reused prompt blocks give the same tokens; their last digits may differ from
    /// computing them whole, when they were computed in passes of another kernel.
    func testPrefixReuseKeepsTokensAndStaysWithinTheTolerance() async throws {
        let plain = try smol()
        let reusing = try Engine(modelPath: try TestPaths.require(TestPaths.defaultModel), threads: 2)
        let size = reusing.model.kvPool.blockSize
        let start = (0..<(2 * size)).map { ($0 * 31 + 7) % 40_000 + 100 }
        var earlier = job(start + [11, 12], tokens: 1)
        earlier.promptLogprobs = nil
        _ = await together(reusing, [earlier])
        var later = job(start + Self.prompt)
        later.promptLogprobs = nil
        let cold = await together(plain, [later])
        let warm = await together(reusing, [later])
        // The reused blocks were computed in a pass of another size (34 rows, the
        // matrix-vector kernel, against 48 rows and the GEMM computed whole).
        print("prefix reuse: identical \(cold == warm), largest difference \(cold.largestDifference(from: warm))")
        XCTAssertEqual(cold.tokens, warm.tokens)
        XCTAssertLessThan(cold.largestDifference(from: warm), 1e-3)
    }
}
