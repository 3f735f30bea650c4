@testable import API
import Backends
import Engine
import Foundation
import JSONValue
import TestSupport
import XCTest

/// `/v1/score`'s instruments over the tiny Llama 3 fixture, against the float64
/// reference (Tests/Data/golden/tiny-llama3.instruments.json): rolling
/// perplexity and steered scoring, through the same pieces the route uses.
/// (tests/e2e/test_instruments.py does the same over HTTP on SmolLM2.)
final class InstrumentScoringTests: XCTestCase {
    static let tolerance = 1e-3

    private func tinyBackend() throws -> LocalBackend {
        let engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2)
        return try LocalBackend(engine: engine, name: "tiny-llama3")
    }

    func testRollingWindowsScoreEveryTokenOnceWithTheRestOfTheirWindowAsContext() throws {
        let rolling = try RollingPerplexity(.object([("window", 4), ("stride", 2)]), maxModelLength: 100)
        let tokens = Array(100..<110)
        let items = rolling.items(tokens)
        func ids(_ p: PromptInput) -> [Int] { if case .tokens(let t) = p { return t } else { return [] } }
        XCTAssertEqual(items.map { ids($0.context) }, [[100], [102, 103], [104, 105], [106, 107]])
        XCTAssertEqual(items.map { ids($0.continuation) }, [[101, 102, 103], [104, 105], [106, 107], [108, 109]])
        XCTAssertEqual(items.flatMap { ids($0.continuation) }, Array(tokens.dropFirst()), "each token but the first, once")
        for item in items { XCTAssertLessThanOrEqual(ids(item.context).count + ids(item.continuation).count, 4) }
    }

    func testRollingRefusesAStrideThatLeavesNoContext() {
        XCTAssertThrowsError(try RollingPerplexity(.object([("window", 4), ("stride", 4)]), maxModelLength: 100)) { error in
            XCTAssertEqual((error as? APIError)?.param, "rolling.stride")
        }
        XCTAssertThrowsError(try RollingPerplexity(.object([("window", 400), ("stride", 4)]), maxModelLength: 100))
    }

    func testRollingPerplexityMatchesTheReference() async throws {
        let backend = try tinyBackend()
        let reference = try XCTUnwrap(try GoldenInstruments.load("tiny-llama3").rolling)
        let rolling = try RollingPerplexity(.object([("window", .int(reference.window)), ("stride", .int(reference.stride))]),
                                            maxModelLength: backend.descriptor.maxModelLength)
        var request = ScoreRequest(items: rolling.items(reference.token_ids))
        request.addSpecialTokens = false
        let result = try await backend.score(request)
        let json = RollingPerplexity.result(tokens: reference.token_ids, firstText: "", scores: result, returnIds: false)
        guard case .array(let logprobs)? = json["token_logprobs"], case .int(let n)? = json["num_tokens"],
              case .double(let perplexity)? = json["perplexity"] else { return XCTFail("\(json)") }
        XCTAssertEqual(logprobs.count, reference.token_ids.count)
        XCTAssertEqual(logprobs[0], .null)
        XCTAssertEqual(n, reference.num_tokens)
        for (i, (ours, ref)) in zip(logprobs, reference.token_logprobs).enumerated().dropFirst() {
            guard case .double(let x) = ours else { return XCTFail("position \(i): \(ours)") }
            XCTAssertEqual(x, try XCTUnwrap(ref), accuracy: Self.tolerance, "position \(i)")
        }
        XCTAssertEqual(log(perplexity), log(reference.perplexity), accuracy: Self.tolerance)
    }

    func testSteeredScoringMatchesTheReference() async throws {
        let backend = try tinyBackend()
        let golden = try GoldenInstruments.load("tiny-llama3")
        for c in golden.cases {
            var request = ScoreRequest(items: [.init(context: .tokens(Array(c.token_ids.prefix(2))), continuation: .tokens(Array(c.token_ids.dropFirst(2))))])
            request.addSpecialTokens = false
            request.steering = [SteeringVector(vector: golden.steering_vector.values, layers: [golden.steering_vector.layer],
                                               scale: Float(c.steering.scale))]
            let steered = try await backend.score(request)
            for (t, ref) in zip(steered.items[0].tokens, c.steering.prompt_logprobs.dropFirst(2)) {
                XCTAssertEqual(Double(t.token.logprob), try XCTUnwrap(ref), accuracy: Self.tolerance)
            }
            request.steering = []
            let plain = try await backend.score(request)
            XCTAssertNotEqual(plain.items[0].logprob, steered.items[0].logprob, accuracy: 0.1)
        }
    }
}
