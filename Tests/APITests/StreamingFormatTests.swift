@testable import API
import Backends
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValue
import Logging
import XCTest

/// A backend that replays scripted events, to pin down the wire format without a model.
struct ScriptedBackend: Backend {
    var events: [CompletionEvent]
    var failure: BackendError?
    let descriptor = ModelDescriptor(name: "scripted", maxModelLength: 64, vocabularySize: 100, created: 0)
    var load: BackendLoad { BackendLoad() }

    func tokenize(_ text: String, addSpecialTokens: Bool) async throws -> [Int] { text.unicodeScalars.map { Int($0.value) % 100 } }
    func detokenize(_ tokens: [Int], skipSpecialTokens: Bool) async throws -> String { "" }
    func tokenizerInfo() async throws -> TokenizerInfo {
        TokenizerInfo(tokenizerClass: "x", bosToken: nil, bosTokenId: nil, eosToken: nil, eosTokenId: nil, addsBOS: false,
                      vocabularySize: 100, modelMaxLength: 64)
    }
    func complete(_ request: CompletionRequest) async throws -> CompletionStream {
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        for e in events { continuation.yield(e) }
        if let failure { continuation.finish(throwing: failure) } else { continuation.finish() }
        return CompletionStream(events: stream, onCancel: {})
    }
    func score(_ request: ScoreRequest) async throws -> ScoreResult { ScoreResult(items: [], promptTokens: 0) }
}

final class StreamingFormatTests: XCTestCase {
    static func token(_ id: Int, _ text: String, _ lp: Float, top: [(Int, String, Float)] = []) -> ScoredToken {
        ScoredToken(token: TokenLogprob(id: id, text: text, logprob: lp), rank: 1,
                    top: top.map { TokenLogprob(id: $0.0, text: $0.1, logprob: $0.2) })
    }

    static let script: [CompletionEvent] = [
        .prompt(choice: 0, tokenIds: [1, 2], tokenTexts: ["A", "b"], text: "Ab",
                logprobs: [nil, token(2, "b", -1.5, top: [(3, "c", -0.5), (2, "b", -1.5)])]),
        .delta(choice: 0, text: "", tokens: [token(4, "\u{FFFD}", -0.25, top: [(4, "\u{FFFD}", -0.25)])]),
        .delta(choice: 0, text: "é", tokens: [token(5, "\u{FFFD}", -0.75, top: [(6, "x", -0.5)])], finishing: true),
        .finished(choice: 0, reason: .stop, stopReason: .tokenId(9)),
        .usage(CompletionUsage(promptTokens: 2, completionTokens: 2)),
    ]

    func run(_ body: String, events: [CompletionEvent] = script, failure: BackendError? = nil) async throws -> Reply {
        let app = buildApplication(models: ModelRegistry([ScriptedBackend(events: events, failure: failure)]), authenticator: nil,
                                   configuration: ServerConfiguration(cancelOnDisconnect: false), logger: Logger(label: "test"))
        return try await app.test(.router) { client in try await client.post("/v1/completions", body) }
    }

    func testEchoedLogprobsAndFinishRideOnTheLastChunk() async throws {
        let reply = try await run(#"{"prompt": "Ab", "echo": true, "logprobs": 1, "stream": true, "stream_options": {"include_usage": true}}"#)
        let chunks = sseEvents(reply.text)
        XCTAssertEqual(chunks.count, 5, reply.text)  // prompt, delta, delta+finish, usage, [DONE]
        let prompt = JSON.parse(Array(chunks[0].utf8))!["choices"]![0]
        XCTAssertEqual(prompt["text"], "Ab")
        XCTAssertEqual(prompt["logprobs"]!["tokens"], .array(["A", "b"]))
        XCTAssertEqual(prompt["logprobs"]!["token_logprobs"], .array([.null, .double(-1.5)]))
        XCTAssertEqual(prompt["logprobs"]!["top_logprobs"]![1].keys, ["b", "c"], "the actual token first, then the top-1")
        let second = JSON.parse(Array(chunks[1].utf8))!["choices"]![0]
        XCTAssertEqual(second["text"], "")
        XCTAssertEqual(second["logprobs"]!["text_offset"], .array([2]))
        XCTAssertEqual(second["finish_reason"], .null)
        let last = JSON.parse(Array(chunks[2].utf8))!["choices"]![0]
        XCTAssertEqual(last["text"], "é")
        XCTAssertEqual(last["finish_reason"], "stop")
        XCTAssertEqual(last["stop_reason"], 9)
        XCTAssertEqual(last["logprobs"]!["text_offset"], .array([3]))
        XCTAssertEqual(JSON.parse(Array(chunks[3].utf8))!["usage"]?["total_tokens"], 4)
        XCTAssertEqual(chunks[4], "[DONE]")
    }

    func testADeltaGoesOutAtOnceUnlessItsFinishFollows() throws {
        let parameters = try CompletionParameters(body: JSON.parse(Array(#"{"prompt": "Ab", "stream": true}"#.utf8))!, maxLogprobs: 20)
        var state = StreamState(formatter: CompletionFormatter(parameters: parameters, id: "cmpl-x", created: 0, model: "m"),
                                choiceCount: 1)
        XCTAssertEqual(state.handle(.prompt(choice: 0, tokenIds: [1], tokenTexts: ["A"], text: "A", logprobs: nil)).count, 0)
        // A token in the middle is written before the next one exists: holding it
        // would delay it by a whole step of the batch.
        let middle = state.handle(.delta(choice: 0, text: "x", tokens: [Self.token(4, "x", -0.25)]))
        XCTAssertEqual(middle.count, 1)
        XCTAssertEqual(middle.first?["choices"]?[0]["text"], "x")
        XCTAssertEqual(middle.first?["choices"]?[0]["finish_reason"], .null)
        XCTAssertEqual(state.handle(.delta(choice: 0, text: "y", tokens: [Self.token(5, "y", -0.5)], finishing: true)).count, 0)
        let last = state.handle(.finished(choice: 0, reason: .length, stopReason: nil))
        XCTAssertEqual(last.count, 1)
        XCTAssertEqual(last.first?["choices"]?[0]["text"], "y")
        XCTAssertEqual(last.first?["choices"]?[0]["finish_reason"], "length")
    }

    func testNonStreamingAssemblesTheSameChoice() async throws {
        let reply = try await run(#"{"prompt": "Ab", "echo": true, "logprobs": 1}"#)
        let choice = reply.json["choices"]![0]
        XCTAssertEqual(choice["text"], "Abé")
        XCTAssertEqual(choice["logprobs"]!["tokens"], .array(["A", "b", "\u{FFFD}", "\u{FFFD}"]))
        XCTAssertEqual(choice["logprobs"]!["text_offset"], .array([0, 1, 2, 3]))
        XCTAssert(reply.text.contains(#""prompt_logprobs":[null,{"3":{"logprob":-0.5,"rank":1,"decoded_token":"c"},"2":{"#),
                  "echo makes prompt_logprobs default to logprobs, in rank order: \(reply.text)")
        XCTAssertEqual(choice["prompt_logprobs"]![1]["3"]?["rank"], 1)
        XCTAssertEqual(reply.json["usage"]?["completion_tokens"], 2)
    }

    func testAnErrorAfterTheStreamBeganIsAChunk() async throws {
        let reply = try await run(#"{"prompt": "Ab", "stream": true}"#, events: Array(Self.script.prefix(2)),
                                  failure: .failed("the engine stopped"))
        let chunks = sseEvents(reply.text)
        XCTAssertEqual(reply.status, .ok)
        XCTAssertEqual(chunks.last, "[DONE]")
        let error = JSON.parse(Array(chunks[chunks.count - 2].utf8))!
        XCTAssertEqual(error["error"]?["message"], "the engine stopped")
    }
}
