@testable import Engine
import Kernels
import TestSupport
import XCTest

/// The research instruments against the float64 reference of
/// `scripts/reference-instruments.py` (Tests/Data/golden/*.instruments.json),
/// at the tolerances the product promises: entropies and logprobs within 1e-3.
final class GoldenInstrumentTests: XCTestCase {
    static let tolerance = 1e-3

    private func engine(_ model: String) throws -> Engine {
        let path = model == "smollm2" ? TestPaths.defaultModel : TestPaths.tinyLlama3
        return try Engine(modelPath: try TestPaths.require(path), threads: 2)
    }

    private func greedyJob(_ ids: [Int], tokens: Int) -> CompletionJob {
        var job = CompletionJob(prompt: ids, promptLogprobs: 0, maxTokens: tokens,
                                sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        job.returnEntropy = true
        return job
    }

    func testEntropiesMatchTheReference() throws {
        for model in ["smollm2", "tiny-llama3"] {
            let engine = try engine(model)
            let golden = try GoldenInstruments.load(model)
            for c in golden.cases {
                let label = "\(model) \(c.prompt.debugDescription)"
                var prompt: [PositionScore?] = []
                var generated: [GeneratedToken] = []
                engine.run(greedyJob(c.token_ids, tokens: c.greedy.token_ids.count),
                           onPromptScores: { prompt = $0 }, onToken: { generated.append($0); return true })
                XCTAssertEqual(prompt.count, c.prompt_entropy.count, label)
                XCTAssertNil(prompt.first ?? nil, "\(label): position 0 has no distribution")
                for (i, (ours, ref)) in zip(prompt, c.prompt_entropy).enumerated().dropFirst() {
                    let h = try XCTUnwrap(ours?.entropy, "\(label) position \(i)")
                    XCTAssertEqual(Double(h), try XCTUnwrap(ref), accuracy: Self.tolerance, "\(label) position \(i)")
                }
                XCTAssertEqual(generated.map(\.id), c.greedy.token_ids, "\(label): greedy continuation")
                for (g, ref) in zip(generated, c.greedy.entropies) {
                    XCTAssertEqual(Double(try XCTUnwrap(g.entropy)), ref, accuracy: Self.tolerance, "\(label): generated entropy")
                }
            }
        }
    }

    /// Without `returnEntropy` nothing is computed for it.
    func testEntropyIsOnlyComputedWhenAskedFor() throws {
        let engine = try engine("tiny-llama3")
        var job = greedyJob([128_000, 791, 6864], tokens: 2)
        job.returnEntropy = false
        var prompt: [PositionScore?] = []
        var generated: [GeneratedToken] = []
        engine.run(job, onPromptScores: { prompt = $0 }, onToken: { generated.append($0); return true })
        XCTAssertTrue(prompt.compactMap { $0?.entropy }.isEmpty)
        XCTAssertTrue(generated.compactMap(\.entropy).isEmpty)
    }

    /// A distribution of n equal logits has entropy log n; one certain token has 0.
    func testEntropyOfKnownDistributions() {
        let uniform = [Float](repeating: 3.5, count: 1000)
        XCTAssertEqual(Double(entropy(ofLogits: uniform, count: uniform.count)), log(1000), accuracy: 1e-5)
        var certain = [Float](repeating: -1e4, count: 1000)
        certain[7] = 0
        XCTAssertEqual(entropy(ofLogits: certain, count: certain.count), 0, accuracy: 1e-6)
    }
}

/// Activation capture, steering and the logit lens against the reference.
final class GoldenActivationTests: XCTestCase {
    static let tolerance = 1e-3

    struct Run {
        var prompt: [PositionScore?] = []
        var tokens: [GeneratedToken] = []
        var readings: InstrumentReadings?
    }

    private func run(_ engine: Engine, _ ids: [Int], tokens: Int, instruments: Instruments) async -> Run {
        var job = CompletionJob(prompt: ids, promptLogprobs: 0, maxTokens: tokens,
                                sampling: SamplingParameters(temperature: 0), ignoreEOS: true)
        job.instruments = instruments
        var result = Run()
        for await event in engine.submit(job) {
            switch event {
            case .promptScores(let s): result.prompt = s
            case .token(let t): result.tokens.append(t)
            case .instruments(let r): result.readings = r
            default: break
            }
        }
        return result
    }

    private func engine(_ model: String) throws -> Engine {
        let path = model == "smollm2" ? TestPaths.defaultModel : TestPaths.tinyLlama3
        return try Engine(modelPath: try TestPaths.require(path), threads: 2)
    }

    func testCapturedResidualStreamMatchesTheReference() async throws {
        for model in ["smollm2", "tiny-llama3"] {
            let engine = try engine(model)
            let golden = try GoldenInstruments.load(model)
            for c in golden.cases {
                var instruments = Instruments()
                instruments.captureLayers = c.residual.layers
                let r = await run(engine, c.token_ids, tokens: c.greedy.token_ids.count, instruments: instruments)
                let captured = try XCTUnwrap(r.readings?.activations, model)
                let (layers, positions, hidden) = (c.residual.shape[0], c.residual.shape[1], c.residual.shape[2])
                XCTAssertEqual([captured.layers.count, captured.positions, captured.hiddenSize], c.residual.shape,
                               "\(model): every prompt token, then each generated token but the last")
                let reference = c.residual.values
                for (l, file) in captured.files.enumerated() {
                    let ours = decodeFloat32(try Data(contentsOf: file).base64EncodedString())
                    XCTAssertEqual(ours.count, positions * hidden)
                    let slice = reference[(l * positions * hidden)..<((l + 1) * positions * hidden)]
                    let scale = Double(slice.map { abs($0) }.max() ?? 1)
                    let worst = zip(ours, slice).map { Double(abs($0 - $1)) }.max() ?? 0
                    XCTAssertLessThanOrEqual(worst, Self.tolerance * scale, "\(model) layer \(c.residual.layers[l])")
                }
                XCTAssertEqual(layers, captured.files.count)
            }
        }
    }

    func testLogitLensMatchesTheReference() async throws {
        for model in ["smollm2", "tiny-llama3"] {
            let engine = try engine(model)
            let golden = try GoldenInstruments.load(model)
            for c in golden.cases {
                var instruments = Instruments()
                instruments.lensLayers = c.lens.keys.compactMap { Int($0) }.sorted()
                instruments.lensTopK = 5
                let r = await run(engine, c.token_ids, tokens: 1, instruments: instruments)
                let lens = try XCTUnwrap(r.readings?.lens)
                for (key, reference) in c.lens {
                    let ours = try XCTUnwrap(lens[Int(key)!], "\(model) layer \(key)")
                    XCTAssertEqual(ours.count, reference.count)
                    XCTAssertNil(ours[0] ?? nil)
                    for p in 1..<reference.count {
                        let (o, ref) = (try XCTUnwrap(ours[p]).top, try XCTUnwrap(reference[p]))
                        XCTAssertEqual(o.count, ref.count)
                        for (j, (a, b)) in zip(o, ref).enumerated() {
                            XCTAssertEqual(Double(a.logprob), b.logprob, accuracy: Self.tolerance, "\(model) layer \(key) position \(p) #\(j)")
                            // Order may differ only between near-ties.
                            if a.id != b.id, j + 1 < ref.count {
                                XCTAssertLessThan(abs(ref[j].logprob - ref[j + 1].logprob), 2 * Self.tolerance)
                            }
                        }
                    }
                }
            }
        }
    }

    func testSteeredContinuationMatchesTheReference() async throws {
        for model in ["smollm2", "tiny-llama3"] {
            let engine = try engine(model)
            let golden = try GoldenInstruments.load(model)
            let vector = golden.steering_vector.values
            XCTAssertEqual(vector.count, golden.hidden_size)
            for c in golden.cases {
                var instruments = Instruments()
                instruments.steering = [SteeringVector(vector: vector, layers: [golden.steering_vector.layer], scale: Float(c.steering.scale))]
                let r = await run(engine, c.token_ids, tokens: c.steering.greedy.token_ids.count, instruments: instruments)
                XCTAssertEqual(r.tokens.map(\.id), c.steering.greedy.token_ids, "\(model): steered greedy continuation")
                for (t, ref) in zip(r.tokens, c.steering.greedy.logprobs) {
                    XCTAssertEqual(Double(t.logprob), ref, accuracy: Self.tolerance, "\(model): steered logprob")
                }
                for (p, ref) in c.steering.prompt_logprobs.enumerated().dropFirst() {
                    XCTAssertEqual(Double(try XCTUnwrap(r.prompt[p]).logprob), try XCTUnwrap(ref), accuracy: Self.tolerance,
                                   "\(model): steered prompt logprob at \(p)")
                }
                // Steering moved something: the plain continuation differs.
                let plain = await run(engine, c.token_ids, tokens: c.greedy.token_ids.count, instruments: Instruments())
                XCTAssertNotEqual(plain.tokens.map(\.id), r.tokens.map(\.id), "\(model): the steering vector changes the continuation")
            }
        }
    }
}

/// Captured activations live in temporary files only as long as someone can read them.
final class ActivationFileTests: XCTestCase {
    private func captureFiles() throws -> Set<String> {
        let names = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
        return Set(names.filter { $0.hasPrefix("baseserve-activations-") })
    }

    private func job(tokens: Int = 8) -> CompletionJob {  // a short capture on the tiny model
        var job = CompletionJob(prompt: [128_000, 791, 6864, 315], maxTokens: tokens, sampling: SamplingParameters(temperature: 0),
                                ignoreEOS: true)
        job.instruments.captureLayers = [0, 2]
        return job
    }

    func testFilesGoWithTheLastReference() async throws {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        let before = try captureFiles()
        var captured: CapturedActivations?
        for await event in engine.submit(job()) {
            if case .instruments(let r) = event { captured = r.activations }
        }
        let files = try XCTUnwrap(captured).files
        XCTAssertEqual(files.count, 2)
        XCTAssertTrue(files.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
        captured = nil
        XCTAssertEqual(try captureFiles(), before, "released: removed")

        // The scheduler counts a job out on its next turn, after delivering the job's last
        // event: wait for that turn rather than race it.
        let deadline = ContinuousClock.now + .seconds(30)
        while engine.activeJobs > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(engine.activeJobs, 0)
    }

    /// A job cancelled before it finishes never hands its capture over: the
    /// files go with the capture.
    func testACaptureNeverHandedOverRemovesItsFiles() throws {
        let before = try captureFiles()
        var capture: ActivationCapture? = try ActivationCapture(layers: [0, 1], hiddenSize: 4)
        let row: [Float] = [1, 2, 3, 4]
        row.withUnsafeBufferPointer { capture!.append(layer: 1, rows: $0.baseAddress!, count: 1) }
        XCTAssertEqual(try captureFiles().subtracting(before).count, 2)
        capture = nil
        XCTAssertEqual(try captureFiles(), before)
    }
}

