@testable import API
import Backends
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValue
import XCTest

/// A 400 `invalid_request_error` naming `param`, its message mentioning `text`.
private func assertRefused(_ reply: Reply, param: String?, mentioning text: String,
                           file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(reply.status, .badRequest, reply.text, file: file, line: line)
    let error = reply.json["error"]
    XCTAssertEqual(error?["type"], "invalid_request_error", reply.text, file: file, line: line)
    XCTAssertEqual(error?["param"], param.map { .string($0) } ?? .null, reply.text, file: file, line: line)
    XCTAssert(error?["message"]?.stringValue?.contains(text) ?? false, reply.text, file: file, line: line)
}

/// Requests a hostile or careless client can send: each gets a 400 naming what
/// is wrong, before the server spends time or storage on it.
final class HostileRequestTests: XCTestCase {
    func testUserLongerThan256BytesIsRefused() async throws {
        try await withApp { client in
            // 128 two-byte characters: 256 bytes, the most accepted.
            let longest = String(repeating: "é", count: 128)
            let ok = try await client.post("/v1/completions", json: .object([("prompt", "Hi"), ("max_tokens", 1), ("user", .string(longest))]))
            XCTAssertEqual(ok.status, .ok, ok.text)
            let tooLong = try await client.post(
                "/v1/completions", json: .object([("prompt", "Hi"), ("max_tokens", 1), ("user", .string(longest + "x"))]))
            assertRefused(tooLong, param: "user", mentioning: "257")
        }
    }

    func testRepeatedKeysAreRefusedAtAnyDepth() async throws {
        try await withApp { client in
            assertRefused(try await client.post("/v1/completions", #"{"prompt": "a", "max_tokens": 1, "prompt": "b"}"#),
                          param: "prompt", mentioning: "`prompt`")
            assertRefused(try await client.post("/v1/completions",
                                                #"{"prompt": "a", "stream": true, "stream_options": {"include_usage": true, "include_usage": false}}"#),
                          param: "stream_options.include_usage", mentioning: "`include_usage`")
            assertRefused(try await client.post("/v1/completions", #"{"prompt": "a", "logit_bias": {"5": 1, "5": -100}}"#),
                          param: "logit_bias.5", mentioning: "`5`")
            assertRefused(try await client.post("/v1/score",
                                                #"{"items": [{"context": "a", "continuation": "b"}, {"context": "a", "context": "c", "continuation": "b"}]}"#),
                          param: "items[1].context", mentioning: "`context`")
            // The same key in different objects is no repetition.
            let fine = try await client.post("/v1/score", #"{"items": [{"context": "a", "continuation": "b"}, {"context": "a", "continuation": "c"}]}"#)
            XCTAssertEqual(fine.status, .ok, fine.text)
        }
    }

    func testBodiesNotInUTF8AreRefused() async throws {
        let json = #"{"prompt": "Hi", "max_tokens": 1}"#
        let utf16LE = Array(json.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let utf16BE = Array(json.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let bodies: [(String, [UInt8])] = [
            ("UTF-16", utf16LE), ("UTF-16", utf16BE),
            ("byte-order mark", [0xFF, 0xFE] + utf16LE), ("byte-order mark", [0xEF, 0xBB, 0xBF] + Array(json.utf8)),
        ]
        try await withApp { client in
            for (expected, bytes) in bodies {
                let reply = try await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(bytes: bytes)) {
                    Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
                }
                assertRefused(reply, param: nil, mentioning: expected)
            }
            // A UTF-8 body labelled with another charset is refused rather than misread.
            let labelled = try await client.execute(uri: "/tokenize", method: .post, headers: [.contentType: "application/json; charset=utf-16"],
                                                    body: ByteBuffer(string: #"{"prompt": "Hi"}"#)) {
                Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
            }
            assertRefused(labelled, param: nil, mentioning: "charset")
            let utf8 = try await client.execute(uri: "/tokenize", method: .post, headers: [.contentType: "application/json; charset=UTF-8"],
                                                body: ByteBuffer(string: #"{"prompt": "Hi"}"#)) { $0.status }
            XCTAssertEqual(utf8, .ok)
        }
    }

    func testScoreContinuationsAreCapped() async throws {
        try await withApp(maxScoreContinuations: 2) { client in
            let two = try await client.post("/v1/score", #"{"context": "The sky is", "continuations": [" blue", " red"]}"#)
            XCTAssertEqual(two.status, .ok, two.text)
            assertRefused(try await client.post("/v1/score", #"{"context": "The sky is", "continuations": [" blue", " red", " green"]}"#),
                          param: "continuations", mentioning: "--max-score-continuations")
            assertRefused(try await client.post("/v1/score", #"{"context_token_ids": [1, 2], "continuation_token_ids": [[3], [4], [5]]}"#),
                          param: "continuation_token_ids", mentioning: "3 continuations")
            let items: JSON = .array(Array(repeating: .object([("context", "a"), ("continuation", "b")]), count: 3))
            assertRefused(try await client.post("/v1/score", json: .object([("items", items)])), param: "items", mentioning: "is 2")
        }
    }

    /// A prompt longer than `max_model_len` tokens of the longest token could
    /// hold is refused by its byte length, with the over-length error's shape.
    func testPromptTooLongToFitIsRefusedByItsBytes() async throws {
        let backend = try SharedModel.backend()
        let longest = backend.engine.tokenizer.longestTokenInputBytes
        let limit = backend.descriptor.maxModelLength
        let prompt = String(repeating: "hello ", count: limit * longest / 6 + 1)
        XCTAssertGreaterThan(prompt.utf8.count, limit * longest)
        try await withApp(maxBodyBytes: prompt.utf8.count + 4096) { client in
            let completion = try await client.post("/v1/completions", json: .object([("prompt", .string(prompt)), ("max_tokens", 1)]))
            assertRefused(completion, param: "prompt", mentioning: "\(prompt.utf8.count) bytes")
            XCTAssert(completion.json["error"]?["message"]?.stringValue?.hasPrefix("This model's maximum context length is \(limit) tokens.") ?? false)
            let score = try await client.post("/v1/score", json: .object([("context", .string(prompt)), ("continuations", " hi")]))
            assertRefused(score, param: "continuations", mentioning: "bytes")
            // Truncation keeps the last tokens of a prompt of any length: no byte limit then.
            let truncated = try await client.post(
                "/v1/completions", json: .object([("prompt", .string(prompt)), ("max_tokens", 1), ("truncate_prompt_tokens", 4)]))
            XCTAssertEqual(truncated.status, .ok, truncated.text)
        }
    }

    /// The bound is sound: no token of the model stands for more bytes of
    /// text, and bytes the vocabulary lacks (SmolLM2 has no token for 0x04)
    /// count for nothing, since `encode` drops them.
    func testTheFewestTokensNeverExceedTheTokens() throws {
        let tokenizer = try SharedModel.backend().engine.tokenizer
        let longest = tokenizer.longestTokenInputBytes
        for id in 0..<tokenizer.vocabularySize {
            XCTAssertLessThanOrEqual(tokenizer.tokenBytes(id).count, longest, "token \(id)")
        }
        let dropped = "Hi" + String(repeating: "\u{04}", count: 10 * longest)
        XCTAssertLessThan(tokenizer.encode(dropped, addSpecialTokens: false).count, 5)
        XCTAssertLessThanOrEqual(tokenizer.fewestTokens(dropped), tokenizer.encode(dropped, addSpecialTokens: false).count)
        for text in ["hello world", String(repeating: "a", count: 10_000), String(repeating: "é😀 ", count: 500)] {
            XCTAssertLessThanOrEqual(tokenizer.fewestTokens(text), tokenizer.encode(text, addSpecialTokens: false).count, text)
        }
    }
}
