@testable import Backends
import JSONValue
import XCTest

/// The request BaseServe sends upstream, and how it reads the answers back.
final class UpstreamCompletionBodyTests: XCTestCase {
    func translator(_ kind: UpstreamKind) -> UpstreamCompletionBody {
        UpstreamCompletionBody(model: "big", servedModelName: "meta/big", kind: kind, capabilities: kind.defaultCapabilities)
    }

    func testVLLMBodyMakesEveryDefaultExplicit() throws {
        var r = CompletionRequest(prompts: [.text("Hello")])
        r.temperature = 0.7
        r.seed = 42
        r.stop = ["\n"]
        r.logprobs = 2
        r.logitBias = [5: -100]
        let b = try translator(.vllm).body(for: r, prompts: ["Hello"], maxTokens: 16, stream: true)
        XCTAssertEqual(b["model"], "meta/big")
        XCTAssertEqual(b["prompt"], "Hello")
        XCTAssertEqual(b["max_tokens"], 16)
        XCTAssertEqual(b["temperature"], .double(0.7))
        XCTAssertEqual(b["top_p"], .double(1))
        XCTAssertEqual(b["top_k"], -1)
        XCTAssertEqual(b["seed"], 42)
        XCTAssertEqual(b["stop"], .array(["\n"]))
        XCTAssertEqual(b["logprobs"], 2)
        XCTAssertEqual(b["echo"], false)
        XCTAssertEqual(b["n"], 1)
        XCTAssertEqual(b["min_tokens"], 0)
        XCTAssertEqual(b["ignore_eos"], false)
        XCTAssertEqual(b["skip_special_tokens"], true)
        XCTAssertEqual(b["return_token_ids"], true)
        XCTAssertEqual(b["repetition_penalty"], .double(1))
        XCTAssertEqual(b["logit_bias"], .object([("5", .double(-100))]))
        XCTAssertEqual(b["stream_options"], .object([("include_usage", true)]))
        XCTAssertNil(b["prompt_logprobs"])
        XCTAssertNil(b["truncate_prompt_tokens"])
        // What goes on the wire is valid JSON.
        XCTAssertNotNil(UpstreamJSON.decode(Array(b.serialized.utf8)))
    }

    /// `allowed_token_ids` goes to vLLM as given; other upstreams would ignore it, so it is refused for them.
    func testAllowedTokenIdsGoToVLLMAndAreRefusedElsewhere() throws {
        var r = CompletionRequest(prompts: [.text("x")])
        XCTAssertNil(try translator(.vllm).body(for: r, prompts: ["x"], maxTokens: 4, stream: false)["allowed_token_ids"])
        r.allowedTokenIds = [3, 5]
        let b = try translator(.vllm).body(for: r, prompts: ["x"], maxTokens: 4, stream: false)
        XCTAssertEqual(b["allowed_token_ids"], .array([3, 5]))
        for kind in [UpstreamKind.llamaCpp, .openai] {
            XCTAssertThrowsError(try translator(kind).check(r)) { error in
                guard case .invalidRequest(_, let param) = error as? BackendError else { return XCTFail("\(error)") }
                XCTAssertEqual(param, "allowed_token_ids")
            }
        }
    }

    /// Floats go upstream as the decimal the client wrote, not as the digits of
    /// the Float widened to a double (0.699999988079071).
    func testFloatsAreSentAsWritten() throws {
        var r = CompletionRequest(prompts: [.text("x")])
        r.temperature = 0.7
        r.topP = 0.9
        r.minP = 0.05
        r.repetitionPenalty = 1.1
        r.presencePenalty = -0.3
        r.logitBias = [9: 0.1, 3: -2.5]
        let vllm = try translator(.vllm).body(for: r, prompts: ["x"], maxTokens: 4, stream: false).serialized
        for written in [#""temperature":0.7,"#, #""top_p":0.9,"#, #""presence_penalty":-0.3,"#, #""min_p":0.05,"#,
                        #""repetition_penalty":1.1,"#, #""logit_bias":{"3":-2.5,"9":0.1}"#] {
            XCTAssertTrue(vllm.contains(written), "\(written) in \(vllm)")
        }
        let llama = try translator(.llamaCpp).body(for: r, prompts: ["x"], maxTokens: 4, stream: false).serialized
        XCTAssertTrue(llama.contains(#""repeat_penalty":1.1,"#), llama)
        XCTAssertTrue(llama.contains(#""logit_bias":[[3,-2.5],[9,0.1]]"#), llama)
    }

    /// A seed is any 64-bit pattern (a negative one arrives as its unsigned
    /// reading): it goes upstream as that unsigned number, never trapping.
    func testLargeSeedsAndUpstreamTruncation() throws {
        var r = CompletionRequest(prompts: [.text("x")])
        r.seed = UInt64.max
        let b = try translator(.vllm).body(for: r, prompts: ["x"], maxTokens: 4, stream: false, truncatePromptTokens: 8)
        let text = b.serialized
        XCTAssertTrue(text.contains(#""seed":18446744073709551615,"#), text)
        XCTAssertEqual(b["truncate_prompt_tokens"], 8)
    }

    func testBatchesAndPromptLogprobs() throws {
        var r = CompletionRequest(prompts: [.tokens([1, 2]), .tokens([3])])
        r.promptLogprobs = 5
        r.maxTokens = nil
        let b = try translator(.vllm).body(for: r, prompts: [JSON([1, 2]), JSON([3])], maxTokens: nil, stream: false)
        XCTAssertEqual(b["prompt"], .array([.array([1, 2]), .array([3])]))
        XCTAssertEqual(b["prompt_logprobs"], 5)
        XCTAssertEqual(b["max_tokens"], .null)
        XCTAssertNil(b["stream_options"])
    }

    func testLlamaCppNamesAndRefusals() throws {
        var r = CompletionRequest(prompts: [.text("x")])
        r.repetitionPenalty = 1.1
        r.logitBias = [7: 2]
        let b = try translator(.llamaCpp).body(for: r, prompts: ["x"], maxTokens: 4, stream: false)
        XCTAssertEqual(b["repeat_penalty"], .double(1.1))
        XCTAssertNil(b["repetition_penalty"])
        XCTAssertEqual(b["logit_bias"], .array([.array([7, .double(2)])]))

        var p = CompletionRequest(prompts: [.text("x")])
        p.promptLogprobs = 1
        XCTAssertThrowsError(try translator(.llamaCpp).check(p)) { error in
            guard case .invalidRequest(let message, let param) = error as? BackendError else { return XCTFail("\(error)") }
            XCTAssertEqual(param, "prompt_logprobs")
            XCTAssertTrue(message.contains("`big`") && message.contains("llama.cpp"), message)
        }
        p.echo = true
        p.logprobs = 1
        XCTAssertThrowsError(try translator(.llamaCpp).check(p)) { error in
            XCTAssertEqual(error as? BackendError, .invalidRequest(
                "The model `big` is served by a llama.cpp upstream: `echo` with `logprobs` needs prompt logprobs, which it does not return.",
                param: "echo"))
        }
        var n = CompletionRequest(prompts: [.text("x")])
        n.n = 2
        XCTAssertThrowsError(try translator(.llamaCpp).check(n)) { error in
            guard case .invalidRequest(_, let param) = error as? BackendError else { return XCTFail() }
            XCTAssertEqual(param, "n")
        }
        // Echo alone is fine: BaseServe adds the prompt's text itself.
        var e = CompletionRequest(prompts: [.text("x")])
        e.echo = true
        XCTAssertNoThrow(try translator(.llamaCpp).check(e))
    }

    func testOpenAIKindSendsOnlyOpenAIFields() throws {
        let b = try translator(.openai).body(for: CompletionRequest(prompts: [.text("x")]), prompts: ["x"], maxTokens: 3, stream: true)
        for field in ["top_k", "min_p", "repetition_penalty", "return_token_ids", "min_tokens", "skip_special_tokens"] {
            XCTAssertNil(b[field], field)
        }
        var r = CompletionRequest(prompts: [.text("x")])
        r.minP = 0.1
        XCTAssertThrowsError(try translator(.openai).check(r))
    }
}

final class UpstreamChoiceTests: XCTestCase {
    func json(_ text: String) -> JSON { UpstreamJSON.decode(Array(text.utf8))! }

    func testCompletionLogprobsWithTokenIds() throws {
        let c = try UpstreamChoice(json("""
            {"index": 1, "text": " Paris", "finish_reason": "length", "stop_reason": null, "token_ids": [7042],
             "logprobs": {"tokens": [" Paris"], "token_logprobs": [-0.25], "top_logprobs": [{" Paris": -0.25, " the": -2.7}],
                          "text_offset": [0]}}
            """), promptLogprobsK: nil)
        XCTAssertEqual(c.index, 1)
        XCTAssertEqual(c.text, " Paris")
        XCTAssertEqual(c.tokens.count, 1)
        let t = c.tokens[0]
        XCTAssertEqual(t.token, TokenLogprob(id: 7042, text: " Paris", logprob: -0.25))
        XCTAssertEqual(t.rank, 1)
        XCTAssertEqual(t.top.map(\.text), [" Paris", " the"])
        XCTAssertEqual(t.top[0].id, 7042, "the chosen token keeps its id among the alternatives")
        XCTAssertLessThan(t.top[1].id, 0, "an alternative known only by text gets a distinct placeholder id")
        XCTAssertEqual(c.finish?.reason, .length)
    }

    func testStopReasons() throws {
        let s = try UpstreamChoice(json(#"{"index":0,"text":"a","finish_reason":"stop","stop_reason":"\n"}"#), promptLogprobsK: nil)
        XCTAssertEqual(s.finish?.stop, .string("\n"))
        let id = try UpstreamChoice(json(#"{"index":0,"text":"","finish_reason":"stop","stop_reason":2}"#), promptLogprobsK: nil)
        XCTAssertEqual(id.finish?.stop, .tokenId(2))
        let eos = try UpstreamChoice(json(#"{"index":0,"text":"","finish_reason":"stop","stop_reason":null}"#), promptLogprobsK: nil)
        XCTAssertEqual(eos.finish?.reason, .stop)
        XCTAssertNil(eos.finish?.stop)
        XCTAssertThrowsError(try UpstreamChoice(json(#"{"index":0,"finish_reason":"abort"}"#), promptLogprobsK: nil))
    }

    func testPromptLogprobsKeepRanksAndTheAppendedActualToken() throws {
        let c = try UpstreamChoice(json("""
            {"index": 0, "text": "", "prompt_token_ids": [504, 3575],
             "prompt_logprobs": [null, {"29": {"logprob": -0.8655, "rank": 1, "decoded_token": "-"},
                                        "28": {"logprob": -2.6532, "rank": 2, "decoded_token": ","},
                                        "3575": {"logprob": -11.5393, "rank": 2923, "decoded_token": " capital"}}]}
            """), promptLogprobsK: 2)
        let p = try XCTUnwrap(c.promptLogprobs)
        XCTAssertNil(p[0])
        let s = try XCTUnwrap(p[1])
        XCTAssertEqual(s.token.id, 3575)
        XCTAssertEqual(s.token.text, " capital")
        XCTAssertEqual(s.rank, 2923)
        XCTAssertEqual(s.top.map(\.id), [29, 28])
        // Within the top-k, the actual token stays among the alternatives.
        let inTop = UpstreamChoice.promptPosition(
            json(#"{"29": {"logprob": -0.5, "rank": 1, "decoded_token": "-"}, "28": {"logprob": -1.0, "rank": 2, "decoded_token": ","}}"#).members!,
            actual: 28, k: 2)
        XCTAssertEqual(inTop.rank, 2)
        XCTAssertEqual(inTop.top.map(\.id), [29, 28])
    }

    func testLlamaCppContentLogprobs() throws {
        let c = try UpstreamChoice(json("""
            {"index": 0, "text": "Hi", "finish_reason": null,
             "logprobs": {"content": [{"id": 12, "token": "Hi", "logprob": -1.5,
                                        "top_logprobs": [{"id": 9, "token": "Yo", "logprob": -0.5}, {"id": 12, "token": "Hi", "logprob": -1.5}]}]}}
            """), promptLogprobsK: nil)
        XCTAssertEqual(c.tokens.first?.token, TokenLogprob(id: 12, text: "Hi", logprob: -1.5))
        XCTAssertEqual(c.tokens.first?.rank, 2)
        XCTAssertEqual(c.tokens.first?.top.map(\.id), [9, 12])
        XCTAssertNil(c.finish)
    }

    func testUsageAndErrors() {
        let u = CompletionUsage(upstream: json(#"{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8, "prompt_tokens_details": {"cached_tokens": 2}}"#))
        XCTAssertEqual(u, CompletionUsage(promptTokens: 5, completionTokens: 3, cachedTokens: 2))
        XCTAssertNil(CompletionUsage(upstream: .null))
        XCTAssertEqual(UpstreamJSON.errorMessage(json(#"{"error": {"message": "bad", "param": "n"}}"#))?.message, "bad")
        XCTAssertEqual(UpstreamJSON.errorMessage(json(#"{"error": {"message": "bad", "param": "n"}}"#))?.param, "n")
        XCTAssertEqual(UpstreamJSON.errorMessage(json(#"{"detail": "nope"}"#))?.message, "nope")
        XCTAssertEqual(UpstreamJSON.errorMessage(json(#"{"error": {"code": 400, "message": "llama says no", "type": "invalid_request_error"}}"#))?.message,
                       "llama says no")
        let fastAPI = UpstreamJSON.errorMessage(json(#"{"detail": [{"loc": ["body", "max_tokens"], "msg": "too big"}]}"#))
        XCTAssertEqual(fastAPI?.message, "max_tokens: too big")
        XCTAssertEqual(fastAPI?.param, "max_tokens")
        XCTAssertNil(UpstreamJSON.errorMessage(json(#"["not", "an", "object"]"#)))
    }

    /// Upstreams write numbers as they please: integers as 1.0 or 1e2, logprobs
    /// as integers. They read as the integers and numbers they are.
    func testOddlyWrittenNumbersParse() throws {
        let c = try UpstreamChoice(json("""
            {"index": 1.0, "text": "a", "finish_reason": "stop", "stop_reason": 2.0, "token_ids": [7e0, 1.0e1],
             "prompt_token_ids": [1, 2.0], "prompt_logprobs": [null, {"2": {"logprob": -1, "rank": 1.0, "decoded_token": "b"}}],
             "logprobs": {"tokens": ["a", "b"], "token_logprobs": [0, -0.5], "top_logprobs": [{"a": 0}, {"b": -0.5}]}}
            """), promptLogprobsK: 1)
        XCTAssertEqual(c.index, 1)
        XCTAssertEqual(c.finish?.stop, .tokenId(2))
        XCTAssertEqual(c.promptTokenIds, [1, 2])
        XCTAssertEqual(c.tokens.map(\.token), [TokenLogprob(id: 7, text: "a", logprob: 0), TokenLogprob(id: 10, text: "b", logprob: -0.5)])
        XCTAssertEqual(c.promptLogprobs?[1]?.token, TokenLogprob(id: 2, text: "b", logprob: -1))
        XCTAssertEqual(c.promptLogprobs?[1]?.rank, 1)
        // A fraction is not an id: the list is not read as ids at all.
        XCTAssertNil(try UpstreamChoice(json(#"{"index": 0, "token_ids": [1.5]}"#), promptLogprobsK: nil).tokens.first)
        let usage = CompletionUsage(upstream: json(#"{"prompt_tokens": 5.0, "completion_tokens": 3e0}"#))
        XCTAssertEqual(usage, CompletionUsage(promptTokens: 5, completionTokens: 3, cachedTokens: 0))
    }

    func testModelListReadsLlamaCppMetaAndVLLMLengths() throws {
        let vllm = try UpstreamModelInfo.parse(json(#"{"data": [{"id": "a", "max_model_len": 4096.0}, {"id": "b"}]}"#), servedModelName: "a")
        XCTAssertEqual(vllm.maxModelLength, 4096)
        let llama = try UpstreamModelInfo.parse(json(#"{"data": [{"id": "m", "meta": {"n_ctx_train": 2048, "n_vocab": 32000}}]}"#), servedModelName: nil)
        XCTAssertEqual(llama.maxModelLength, 2048)
        XCTAssertEqual(llama.vocabularySize, 32000)
        XCTAssertThrowsError(try UpstreamModelInfo.parse(json(#"{"data": [{"id": "a"}, {"id": "b"}]}"#), servedModelName: nil))
        XCTAssertThrowsError(try UpstreamModelInfo.parse(json(#"{"data": "no"}"#), servedModelName: nil))
    }
}

final class ServerSentEventParserTests: XCTestCase {
    func testEventsSplitAnywhere() {
        let stream = "data: {\"a\":1}\n\n: comment\ndata: {\"b\":2}\r\n\r\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.append(bytes[..<cut]) + parser.append(bytes[cut...])
            XCTAssertEqual(events, ["{\"a\":1}", "{\"b\":2}", "[DONE]"], "cut at \(cut)")
        }
    }

    func testMultiLineDataAndUnterminatedLastEvent() {
        var parser = ServerSentEventParser()
        XCTAssertEqual(parser.append(Array("data: a\ndata: b\n\ndata: c".utf8)), ["a\nb"])
        XCTAssertEqual(parser.finish(), "c")
    }
}
