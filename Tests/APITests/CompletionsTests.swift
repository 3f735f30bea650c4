@testable import API
import Foundation
import HTTPTypes
import JSONValue
import TestSupport
import XCTest

/// `/v1/completions` over the real model: every field, against the float64 reference.
final class CompletionsTests: XCTestCase {
    func testPromptLogprobsMatchTheGoldenReference() async throws {
        let golden = try GoldenFile.load("smollm2.json")
        try await withApp { client in
            for c in golden.cases {
                let reply = try await client.post("/v1/completions", json: .object([
                    ("model", "smollm2-135m-instruct"), ("prompt", .string(c.prompt)), ("max_tokens", 1),
                    ("temperature", 0), ("prompt_logprobs", 5),
                ]))
                XCTAssertEqual(reply.status, .ok, reply.text)
                let choice = reply.json["choices"]![0]
                let entries = choice["prompt_logprobs"]!.array
                XCTAssertEqual(entries.count, c.token_ids.count)
                XCTAssertEqual(entries.first, .null)
                for i in 1..<c.token_ids.count {
                    let ref = c.prompt_logprobs[i]!
                    let entry = entries[i]
                    let actual = entry[String(ref.token_id)]
                    XCTAssertNotNil(actual, "position \(i): the actual token is present")
                    XCTAssertEqual(actual?["logprob"]?.double ?? 0, ref.logprob, accuracy: goldenTolerance, "position \(i)")
                    let rank = actual?["rank"]?.intValue ?? 0
                    XCTAssertLessThanOrEqual(abs(rank - ref.rank), max(2, ref.rank / 100), "position \(i) rank \(rank) vs \(ref.rank)")
                    XCTAssertEqual(actual?["decoded_token"]?.stringValue, c.tokens[i])
                    XCTAssert(entry.keys.count == 5 || entry.keys.count == 6, "k or k+1 members")
                    for (id, logprob) in ref.top.map({ ($0.id, $0.logprob) }) {
                        if let ours = entry[String(id)] {
                            XCTAssertEqual(ours["logprob"]?.double ?? 0, logprob, accuracy: goldenTolerance)
                        }
                    }
                }
                // The generated token is the greedy one, with its logprob.
                XCTAssertEqual(choice["finish_reason"], "length")
                XCTAssertEqual(reply.json["usage"]?["prompt_tokens"], .int(c.token_ids.count))
                XCTAssertEqual(reply.json["usage"]?["completion_tokens"], 1)
            }
        }
    }

    func testSeedExampleShapeKeepsRankOrderAndAppendsTheActualToken() async throws {
        try await withApp { client in
            let reply = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "max_tokens": 1, "logprobs": 1, "prompt_logprobs": 2, "temperature": 0}"#)
            XCTAssertEqual(reply.status, .ok)
            let json = reply.json
            XCTAssertEqual(json["object"], "text_completion")
            XCTAssert(json["id"]?.stringValue?.hasPrefix("cmpl-") ?? false)
            XCTAssertEqual(json["model"], "smollm2-135m-instruct")
            let choice = json["choices"]![0]
            XCTAssertEqual(choice["index"], 0)
            XCTAssertEqual(choice["text"], " Paris")
            XCTAssertEqual(choice["finish_reason"], "length")
            XCTAssertEqual(choice["stop_reason"], .null)
            let logprobs = choice["logprobs"]!
            XCTAssertEqual(logprobs["tokens"], .array([" Paris"]))
            XCTAssertEqual(logprobs["token_logprobs"]![0].double ?? 0, -0.2581, accuracy: goldenTolerance)
            XCTAssertEqual(logprobs["text_offset"], .array([0]))
            XCTAssertEqual(logprobs["top_logprobs"]![0].keys, [" Paris"], "the chosen token is the top-1: one entry")
            // Entry 1 in rank order: "-" (29), "," (28), then the actual " capital" (3575).
            let entry1 = try XCTUnwrap(reply.text.range(of: #""prompt_logprobs":[null,{"29":{"#))
            let rest = String(reply.text[entry1.upperBound...])
            let i28 = try XCTUnwrap(rest.range(of: #""28":{"#)).lowerBound
            let i3575 = try XCTUnwrap(rest.range(of: #""3575":{"#)).lowerBound
            XCTAssertLessThan(i28, i3575)
            let capital = choice["prompt_logprobs"]![1]["3575"]!
            XCTAssertEqual(capital["logprob"]?.double ?? 0, -11.5393, accuracy: goldenTolerance)
            XCTAssertEqual(capital["decoded_token"], " capital")
            XCTAssertEqual(choice["prompt_logprobs"]![1]["29"]?["rank"], 1)
            XCTAssertEqual(json["usage"]?["total_tokens"], 6)
        }
    }

    /// lm-evaluation-harness's log-likelihood request: token-id prompts, echo, one token.
    func testHarnessLoglikelihoodRequest() async throws {
        let golden = try GoldenFile.load("smollm2.json")
        let cases = [golden.cases[0], golden.cases[3]]
        try await withApp { client in
            let prompts = JSON.array(cases.map { .array($0.token_ids.map { .int($0) }) })
            let reply = try await client.post("/v1/completions", json: .object([
                ("model", "smollm2-135m-instruct"), ("prompt", prompts), ("echo", true), ("max_tokens", 1),
                ("logprobs", 1), ("temperature", 0), ("seed", 1234),
            ]))
            XCTAssertEqual(reply.status, .ok, reply.text)
            let choices = reply.json["choices"]!.array
            XCTAssertEqual(choices.count, 2)
            for (n, (choice, c)) in zip(choices, cases).enumerated() {
                XCTAssertEqual(choice["index"], .int(n))
                let lp = choice["logprobs"]!
                let tokenLogprobs = lp["token_logprobs"]!.array
                XCTAssertEqual(tokenLogprobs.count, c.token_ids.count + 1, "prompt positions then one generated")
                XCTAssertEqual(tokenLogprobs[0], .null)
                XCTAssertEqual(lp["top_logprobs"]![0], .null)
                for i in 1..<c.token_ids.count {
                    XCTAssertEqual(tokenLogprobs[i].double ?? 0, c.prompt_logprobs[i]!.logprob, accuracy: goldenTolerance)
                    let top = lp["top_logprobs"]![i]
                    XCTAssert((1...2).contains(top.keys.count))
                    XCTAssertNotNil(top[c.tokens[i]], "the actual token is in top_logprobs")
                }
                XCTAssertEqual(tokenLogprobs.last?.double ?? 0, c.greedy.logprobs[0], accuracy: goldenTolerance)
                XCTAssertEqual(lp["tokens"]!.array.count, c.token_ids.count + 1)
                XCTAssert(choice["text"]?.stringValue?.hasPrefix(c.prompt) ?? false)
                // text_offset counts characters along the tokens.
                let offsets = lp["text_offset"]!.array.compactMap(\.intValue)
                let tokens = lp["tokens"]!.array.compactMap(\.stringValue)
                XCTAssertEqual(offsets.first, 0)
                for i in 1..<offsets.count { XCTAssertEqual(offsets[i], offsets[i - 1] + tokens[i - 1].unicodeScalars.count) }
            }
        }
    }

    func testScoringOnlyWithMaxTokensZero() async throws {
        let c = try GoldenFile.load("smollm2.json").cases[0]
        try await withApp { client in
            let reply = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "echo": true, "max_tokens": 0, "logprobs": 0}"#)
            XCTAssertEqual(reply.status, .ok, reply.text)
            let choice = reply.json["choices"]![0]
            XCTAssertEqual(choice["text"], "The capital of France is")
            XCTAssertEqual(choice["finish_reason"], "length")
            let lp = choice["logprobs"]!["token_logprobs"]!.array
            XCTAssertEqual(lp.count, c.token_ids.count)
            XCTAssertEqual(lp[4].double ?? 0, c.prompt_logprobs[4]!.logprob, accuracy: goldenTolerance)
            XCTAssertEqual(reply.json["usage"]?["completion_tokens"], 0)
            XCTAssertEqual(reply.json["usage"]?["prompt_tokens"], 5)
            // prompt_logprobs defaults to logprobs with echo: 0 gives just the actual token.
            XCTAssertEqual(choice["prompt_logprobs"]![1].keys, ["3575"])
        }
    }

    func testGreedyContinuationAndStreamingAgree() async throws {
        let c = try GoldenFile.load("smollm2.json").cases[0]
        try await withApp { client in
            let body = #"{"prompt": "The capital of France is", "max_tokens": 16, "temperature": 0, "ignore_eos": true, "logprobs": 2"#
            let plain = try await client.post("/v1/completions", body + "}")
            XCTAssertEqual(plain.json["choices"]![0]["text"]?.stringValue, c.greedy.text)
            let lps = plain.json["choices"]![0]["logprobs"]!["token_logprobs"]!.array.compactMap(\.double)
            for (a, b) in zip(lps, c.greedy.logprobs) { XCTAssertEqual(a, b, accuracy: goldenTolerance) }

            let streamed = try await client.post("/v1/completions",
                body + #", "stream": true, "stream_options": {"include_usage": true}}"#)
            XCTAssertEqual(streamed.status, .ok)
            XCTAssert(streamed.headers[.contentType]?.hasPrefix("text/event-stream") ?? false)
            let events = sseEvents(streamed.text)
            XCTAssertEqual(events.last, "[DONE]")
            let chunks = events.dropLast().map { JSON.parse(Array($0.utf8))! }
            var text = ""
            var tokens: [String] = []
            var offsets: [Int] = []
            for chunk in chunks.dropLast() {
                XCTAssertEqual(chunk["object"], "text_completion")
                let choice = chunk["choices"]![0]
                text += choice["text"]?.stringValue ?? ""
                tokens += choice["logprobs"]?["tokens"]?.array.compactMap(\.stringValue) ?? []
                offsets += choice["logprobs"]?["text_offset"]?.array.compactMap(\.intValue) ?? []
            }
            XCTAssertEqual(text, c.greedy.text)
            XCTAssertEqual(tokens.count, 16)
            XCTAssertEqual(offsets, plain.json["choices"]![0]["logprobs"]!["text_offset"]!.array.compactMap(\.intValue))
            XCTAssertEqual(chunks.dropLast().last?["choices"]![0]["finish_reason"], "length")
            let usage = chunks.last!
            XCTAssertEqual(usage["choices"], .array([]))
            XCTAssertEqual(usage["usage"]?["completion_tokens"], 16)
            XCTAssertEqual(usage["usage"]?["prompt_tokens"], 5)
        }
    }

    func testContinuousUsageStatsAndReturnTokenIds() async throws {
        try await withApp { client in
            let reply = try await client.post("/v1/completions", #"""
                {"prompt": "The capital of France is", "max_tokens": 3, "temperature": 0, "stream": true, "return_token_ids": true,
                 "stream_options": {"include_usage": true, "continuous_usage_stats": true}}
                """#)
            let chunks = sseEvents(reply.text).dropLast().map { JSON.parse(Array($0.utf8))! }
            XCTAssertEqual(chunks.count, 4)
            XCTAssertEqual(chunks[0]["choices"]![0]["prompt_token_ids"], .array([504, 3575, 282, 4649, 314]))
            var ids: [Int] = []
            for (i, chunk) in chunks.dropLast().enumerated() {
                XCTAssertEqual(chunk["usage"]?["completion_tokens"], .int(i + 1))
                ids += chunk["choices"]![0]["token_ids"]!.array.compactMap(\.intValue)
            }
            XCTAssertEqual(ids, [7042, 30, 198])

            let plain = try await client.post("/v1/completions", #"""
                {"prompt": "The capital of France is", "max_tokens": 2, "temperature": 0, "return_token_ids": true,
                 "return_tokens_as_token_ids": true, "logprobs": 1}
                """#)
            let choice = plain.json["choices"]![0]
            XCTAssertEqual(choice["token_ids"], .array([7042, 30]))
            XCTAssertEqual(choice["prompt_token_ids"], .array([504, 3575, 282, 4649, 314]))
            XCTAssertEqual(choice["logprobs"]!["tokens"], .array(["token_id:7042", "token_id:30"]))
            XCTAssertNotNil(choice["logprobs"]!["top_logprobs"]![0]["token_id:7042"])
        }
    }

    func testStopStringsAndStopTokens() async throws {
        try await withApp { client in
            func complete(_ extra: String) async throws -> JSON {
                let r = try await client.post("/v1/completions",
                    #"{"prompt": "The capital of France is", "max_tokens": 16, "temperature": 0, "ignore_eos": true, "#
                    + extra + "}")
                XCTAssertEqual(r.status, .ok, r.text)
                return r.json["choices"]![0]
            }
            var choice = try await complete(#""stop": "\n""#)
            XCTAssertEqual(choice["text"], " Paris.")
            XCTAssertEqual(choice["finish_reason"], "stop")
            XCTAssertEqual(choice["stop_reason"], "\n")
            choice = try await complete(#""stop": ["answer", "\n\n"], "include_stop_str_in_output": true"#)
            XCTAssertEqual(choice["text"], " Paris.\n\n")
            XCTAssertEqual(choice["stop_reason"], "\n\n")
            choice = try await complete(#""stop": "is: 2""#)
            XCTAssertEqual(choice["text"], " Paris.\n\nThe answer ")
            choice = try await complete(#""stop_token_ids": [30]"#)
            XCTAssertEqual(choice["text"], " Paris")
            XCTAssertEqual(choice["finish_reason"], "stop")
            XCTAssertEqual(choice["stop_reason"], 30)
            let late = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "max_tokens": 3, "temperature": 0, "stop_token_ids": [30], "min_tokens": 3}"#)
            XCTAssertEqual(late.json["choices"]![0]["finish_reason"], "length", "a stop token cannot end the text before min_tokens")
            XCTAssertEqual(late.json["choices"]![0]["text"], " Paris, and")

            // Streaming holds back text that may start a stop string, and never sends the stop string.
            let r = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "max_tokens": 16, "temperature": 0, "stream": true, "stop": ["answer"]}"#)
            let text = sseEvents(r.text).dropLast().compactMap { JSON.parse(Array($0.utf8))?["choices"]?[0]["text"]?.stringValue }.joined()
            XCTAssertEqual(text, " Paris.\n\nThe ")
        }
    }

    func testSamplingIsSeededAndNGivesChoicesPerPrompt() async throws {
        try await withApp { client in
            let body = #"{"prompt": ["Once upon a time", "The capital of France is"], "max_tokens": 8, "temperature": 1.0, "seed": 7, "n": 2, "top_k": 50, "top_p": 0.95, "min_p": 0.01, "presence_penalty": 0.5, "frequency_penalty": 0.5, "repetition_penalty": 1.1, "logit_bias": {"7042": -100}}"#
            let a = try await client.post("/v1/completions", body)
            let b = try await client.post("/v1/completions", body)
            XCTAssertEqual(a.status, .ok, a.text)
            let ca = a.json["choices"]!.array, cb = b.json["choices"]!.array
            XCTAssertEqual(ca.count, 4)
            XCTAssertEqual(ca.map { $0["index"] }, [0, 1, 2, 3])
            XCTAssertEqual(ca.map { $0["text"] }, cb.map { $0["text"] }, "same seed, same output")
            XCTAssertFalse(ca[2]["text"]?.stringValue?.hasPrefix(" Paris") ?? true, "logit_bias -100 bans \" Paris\"")
            let completionTokens = a.json["usage"]?["completion_tokens"]?.intValue ?? 0
            XCTAssert((4...32).contains(completionTokens), "\(completionTokens) tokens over 4 choices of at most 8")
            XCTAssertEqual(a.json["usage"]?["prompt_tokens"], 9, "prompt tokens count each prompt once")
        }
    }

    func testTruncationAndSpecialTokens() async throws {
        try await withApp { client in
            let r = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "max_tokens": 1, "truncate_prompt_tokens": 2, "echo": true, "temperature": 0}"#)
            XCTAssertEqual(r.json["usage"]?["prompt_tokens"], 2)
            XCTAssertEqual(r.json["choices"]![0]["text"]?.stringValue?.hasPrefix(" France is"), true)
            // <|im_end|> (2) is special: skipped from text by default, kept when asked.
            let kept = try await client.post("/v1/completions",
                #"{"prompt": [1, 504], "max_tokens": 1, "echo": true, "temperature": 0, "skip_special_tokens": false}"#)
            XCTAssertEqual(kept.json["choices"]![0]["text"]?.stringValue?.hasPrefix("<|im_start|>The"), true)
        }
    }

    /// A prompt that starts like an earlier one says in `usage` how many of its
    /// tokens came from the prefix cache (never the last token; whole blocks for
    /// completions, down to the token for a scored context).
    func testUsageReportsCachedPromptTokens() async throws {
        try await withApp { client in
            let shared = (0..<80).map { JSON.int(($0 * 37) % 20_000 + 500) }
            let first = try await client.post("/v1/completions", json: .object([
                ("prompt", .array(shared + [7])), ("max_tokens", 1), ("temperature", 0)]))
            // Nothing cached: null, as vLLM sends it.
            XCTAssertEqual(first.json["usage"]?["prompt_tokens_details"], .null, first.text)
            let second = try await client.post("/v1/completions", json: .object([
                ("prompt", .array(shared + [8, 9])), ("max_tokens", 1), ("temperature", 0)]))
            XCTAssertEqual(second.json["usage"]?["prompt_tokens"], 82)
            XCTAssertEqual(second.json["usage"]?["prompt_tokens_details"]?["cached_tokens"], 64, "two full blocks of 32 tokens")

            let score = try await client.post("/v1/score", json: .object([
                ("context_token_ids", .array(shared + [9])), ("continuation_token_ids", .array([.array([10, 11]), .array([12])]))]))
            XCTAssertEqual(score.status, .ok, score.text)
            XCTAssertEqual(score.json["usage"]?["prompt_tokens_details"]?["cached_tokens"], 64)
            // Scored again, the context's own partly filled last block is reused
            // too: all of the context but its last token, whose logits are needed.
            let again = try await client.post("/v1/score", json: .object([
                ("context_token_ids", .array(shared + [9])), ("continuation_token_ids", .array([.array([12])]))]))
            XCTAssertEqual(again.json["usage"]?["prompt_tokens_details"]?["cached_tokens"], 80)
        }
    }
}
