@testable import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValue
import XCTest

/// Every bad input gets the OpenAI error shape with the right status and field.
final class ErrorTests: XCTestCase {
    struct Case {
        let body: String
        let status: HTTPResponse.Status
        let param: String?
        var contains: String? = nil
        var code: APIErrorCode = .invalidRequest
    }

    static let cases: [Case] = [
        Case(body: "not json", status: .badRequest, param: nil, contains: "not valid JSON"),
        Case(body: "", status: .badRequest, param: nil),
        Case(body: "[1, 2]", status: .badRequest, param: nil, contains: "JSON object"),
        Case(body: #"{"max_tokens": 1}"#, status: .badRequest, param: "prompt", contains: "required"),
        Case(body: #"{"prompt": 5}"#, status: .badRequest, param: "prompt"),
        Case(body: #"{"prompt": [1, "a"]}"#, status: .badRequest, param: "prompt"),
        Case(body: #"{"prompt": []}"#, status: .badRequest, param: "prompt"),
        Case(body: #"{"prompt": ""}"#, status: .badRequest, param: "prompt", contains: "empty"),
        Case(body: #"{"prompt": [[]]}"#, status: .badRequest, param: "prompt", contains: "empty"),
        Case(body: #"{"prompt": [1, 49152]}"#, status: .badRequest, param: "prompt", contains: "49152"),
        Case(body: #"{"prompt": [-1]}"#, status: .badRequest, param: "prompt"),
        Case(body: #"{"prompt": "x", "model": "gpt-4"}"#, status: .notFound, param: "model", contains: "gpt-4", code: .modelNotFound),
        Case(body: #"{"prompt": "x", "model": 3}"#, status: .badRequest, param: "model"),
        Case(body: #"{"prompt": "x", "max_tokens": "5"}"#, status: .badRequest, param: "max_tokens", contains: "integer"),
        Case(body: #"{"prompt": "x", "max_tokens": 1.5}"#, status: .badRequest, param: "max_tokens"),
        Case(body: #"{"prompt": "x", "max_tokens": -1}"#, status: .badRequest, param: "max_tokens"),
        Case(body: #"{"prompt": "x", "max_tokens": 1e300}"#, status: .badRequest, param: "max_tokens"),
        Case(body: #"{"prompt": "x", "max_tokens": 0}"#, status: .badRequest, param: "max_tokens"),
        Case(body: #"{"prompt": "x", "max_tokens": 9000}"#, status: .badRequest, param: "max_tokens", contains: "8192", code: .contextLengthExceeded),
        Case(body: #"{"prompt": "x", "logprobs": 21}"#, status: .badRequest, param: "logprobs"),
        Case(body: #"{"prompt": "x", "logprobs": -1}"#, status: .badRequest, param: "logprobs"),
        Case(body: #"{"prompt": "x", "logprobs": true}"#, status: .badRequest, param: "logprobs"),
        Case(body: #"{"prompt": "x", "prompt_logprobs": 21}"#, status: .badRequest, param: "prompt_logprobs"),
        Case(body: #"{"prompt": "x", "prompt_logprobs": 1, "stream": true}"#, status: .badRequest, param: "prompt_logprobs",
             contains: "`prompt_logprobs` are not available when `stream=True`."),
        Case(body: #"{"prompt": "x", "n": 2, "temperature": 0}"#, status: .badRequest, param: "n", contains: "greedy"),
        Case(body: #"{"prompt": "x", "n": 0}"#, status: .badRequest, param: "n"),
        Case(body: #"{"prompt": "x", "suffix": "y"}"#, status: .badRequest, param: "suffix", code: .unsupportedParameter),
        Case(body: #"{"prompt": "x", "temprature": 0}"#, status: .badRequest, param: "temprature",
             contains: "did you mean `temperature`?", code: .unknownParameter),
        Case(body: #"{"prompt": "x", "use_beam_search": true}"#, status: .badRequest, param: "use_beam_search",
             contains: "beam search", code: .unsupportedParameter),
        Case(body: #"{"prompt": "x", "guided_json": {"type": "object"}}"#, status: .badRequest, param: "guided_json",
             code: .unsupportedParameter),
        Case(body: #"{"prompt": "x", "prompt_logprobs_temperature": 0.5}"#, status: .badRequest,
             param: "prompt_logprobs_temperature", code: .invalidRequest),
        Case(body: #"{"prompt": "x", "stream": true, "stream_options": {"include_usag": true}}"#, status: .badRequest,
             param: "stream_options.include_usag", contains: "did you mean `include_usage`?", code: .unknownParameter),
        Case(body: #"{"prompt": "x", "best_of": 2, "n": 3}"#, status: .badRequest, param: "best_of", contains: "greater than or equal to `n`"),
        Case(body: #"{"prompt": "x", "best_of": 17}"#, status: .badRequest, param: "best_of"),
        Case(body: #"{"prompt": "x", "best_of": 2, "temperature": 0}"#, status: .badRequest, param: "best_of", contains: "greedy"),
        Case(body: #"{"prompt": "x", "best_of": 2, "stream": true}"#, status: .badRequest, param: "best_of", contains: "stream"),
        Case(body: #"{"prompt": "x", "allowed_token_ids": []}"#, status: .badRequest, param: "allowed_token_ids"),
        Case(body: #"{"prompt": "x", "allowed_token_ids": [49152]}"#, status: .badRequest, param: "allowed_token_ids", contains: "49152"),
        Case(body: #"{"prompt": "x", "allowed_token_ids": ["a"]}"#, status: .badRequest, param: "allowed_token_ids"),
        Case(body: #"{"prompt": "x", "temperature": 2.5}"#, status: .badRequest, param: "temperature"),
        Case(body: #"{"prompt": "x", "temperature": "hot"}"#, status: .badRequest, param: "temperature"),
        Case(body: #"{"prompt": "x", "top_p": 0}"#, status: .badRequest, param: "top_p"),
        Case(body: #"{"prompt": "x", "top_k": -2}"#, status: .badRequest, param: "top_k"),
        Case(body: #"{"prompt": "x", "min_p": 1.5}"#, status: .badRequest, param: "min_p"),
        Case(body: #"{"prompt": "x", "presence_penalty": 3}"#, status: .badRequest, param: "presence_penalty"),
        Case(body: #"{"prompt": "x", "frequency_penalty": -3}"#, status: .badRequest, param: "frequency_penalty"),
        Case(body: #"{"prompt": "x", "repetition_penalty": 0}"#, status: .badRequest, param: "repetition_penalty"),
        Case(body: #"{"prompt": "x", "logit_bias": {"abc": 1}}"#, status: .badRequest, param: "logit_bias"),
        Case(body: #"{"prompt": "x", "logit_bias": {"99999999": 1}}"#, status: .badRequest, param: "logit_bias"),
        Case(body: #"{"prompt": "x", "logit_bias": [1]}"#, status: .badRequest, param: "logit_bias"),
        Case(body: #"{"prompt": "x", "min_tokens": 5, "max_tokens": 2}"#, status: .badRequest, param: "min_tokens"),
        Case(body: #"{"prompt": "x", "stop": 5}"#, status: .badRequest, param: "stop"),
        Case(body: #"{"prompt": "x", "stop": [""]}"#, status: .badRequest, param: "stop"),
        Case(body: #"{"prompt": "x", "stop_token_ids": ["a"]}"#, status: .badRequest, param: "stop_token_ids"),
        Case(body: #"{"prompt": "x", "echo": "yes"}"#, status: .badRequest, param: "echo"),
        Case(body: #"{"prompt": "x", "stream_options": {"include_usage": true}}"#, status: .badRequest, param: "stream_options"),
        Case(body: #"{"prompt": "x", "truncate_prompt_tokens": 0}"#, status: .badRequest, param: "truncate_prompt_tokens"),
        Case(body: #"{"prompt": "x", "truncate_prompt_tokens": 100000}"#, status: .badRequest, param: "truncate_prompt_tokens"),
        Case(body: #"{"prompt": "x", "seed": "1"}"#, status: .badRequest, param: "seed"),
    ]

    func testEveryBadCompletionRequestGetsTheErrorShape() async throws {
        try await withApp { client in
            for c in Self.cases {
                let reply = try await client.post("/v1/completions", c.body)
                XCTAssertEqual(reply.status, c.status, "\(c.body): \(reply.text)")
                let error = reply.json["error"]
                XCTAssertNotNil(error, "\(c.body): \(reply.text)")
                XCTAssertEqual(error?["param"], c.param.map { .string($0) } ?? .null, c.body)
                XCTAssertNotNil(error?["type"]?.stringValue, c.body)
                XCTAssertEqual(error?["code"], .string(c.code.rawValue), "\(c.body): \(reply.text)")
                if let text = c.contains {
                    XCTAssert(error?["message"]?.stringValue?.contains(text) ?? false, "\(c.body): \(reply.text)")
                }
                XCTAssertEqual(reply.headers[.contentType], "application/json")
            }
        }
    }

    func testContextOverflowSaysBothNumbers() async throws {
        try await withApp { client in
            let reply = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "max_tokens": 8190}"#)
            XCTAssertEqual(reply.status, .badRequest)
            XCTAssertEqual(reply.json["error"]?["code"], "context_length_exceeded")
            let message = reply.json["error"]?["message"]?.stringValue ?? ""
            XCTAssert(message.contains("8192") && message.contains("8195") && message.contains("5 in the prompt"), message)
        }
    }

    func testRouteMethodAndBodySizeErrors() async throws {
        try await withApp(maxBodyBytes: 2048) { client in
            let missing = try await client.get("/v1/nothing")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.json["error"]?["type"], "not_found_error")
            XCTAssertEqual(missing.json["error"]?["code"], "not_found")

            let wrongMethod = try await client.get("/v1/completions")
            XCTAssertEqual(wrongMethod.status, .methodNotAllowed)
            XCTAssertEqual(wrongMethod.headers[.allow], "POST")
            XCTAssertEqual(wrongMethod.json["error"]?["code"], "method_not_allowed")
            XCTAssertNotNil(wrongMethod.json["error"]?["message"])

            let big = "{\"prompt\": \"" + String(repeating: "a", count: 4096) + "\"}"
            let tooLarge = try await client.post("/v1/completions", big)
            XCTAssertEqual(tooLarge.status, .contentTooLarge)
            XCTAssertEqual(tooLarge.json["error"]?["code"], "payload_too_large")
            XCTAssert(tooLarge.json["error"]?["message"]?.stringValue?.contains("2048") ?? false, tooLarge.text)
        }
    }

    func testInvalidUTF8IsA400() async throws {
        try await withApp { client in
            var body = ByteBuffer(string: "{\"prompt\": \"")
            body.writeBytes([0xFF, 0xFE])
            body.writeString("\"}")
            let status = try await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                                                  body: body) { $0.status }
            XCTAssertEqual(status, .badRequest)
        }
    }
}
