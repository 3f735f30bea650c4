@testable import API
import Backends
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValue
import Logging
import XCTest

/// Every request field is honoured or refused, by name; bodies are JSON; every
/// error carries its code; and the choices look as vLLM's do.
final class StrictRequestTests: XCTestCase {
    // MARK: The field table

    /// vLLM's CompletionRequest fields (vllm/entrypoints/openai/protocol.py),
    /// OpenAI's among them, and the `return_token_ids` of newer vLLM.
    static let vllmCompletionFields = [
        "model", "prompt", "prompt_embeds", "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
        "presence_penalty", "seed", "stop", "stream", "stream_options", "suffix", "temperature", "top_p", "user",
        "use_beam_search", "top_k", "min_p", "repetition_penalty", "length_penalty", "stop_token_ids",
        "include_stop_str_in_output", "ignore_eos", "min_tokens", "skip_special_tokens", "spaces_between_special_tokens",
        "truncate_prompt_tokens", "allowed_token_ids", "prompt_logprobs", "add_special_tokens", "response_format",
        "guided_json", "guided_regex", "guided_choice", "guided_grammar", "guided_decoding_backend",
        "guided_whitespace_pattern", "priority", "request_id", "logits_processors", "return_tokens_as_token_ids",
        "cache_salt", "kv_transfer_params", "vllm_xargs", "return_token_ids",
    ]

    func testEveryVLLMCompletionFieldIsHonouredOrRefusedWithAReason() {
        for name in Self.vllmCompletionFields {
            XCTAssertNotNil(RequestFields.completions.support(of: name), name)
        }
        let names = RequestFields.completions.fields.map(\.name)
        XCTAssertEqual(names.count, Set(names).count, "each field is classified once")
        for (name, support) in RequestFields.completions.fields {
            if case .unsupported(let reason, _) = support { XCTAssertFalse(reason.isEmpty, name) }
        }
        XCTAssertEqual(RequestFields.completions.support(of: "best_of"), .honoured)
        XCTAssertEqual(RequestFields.completions.support(of: "allowed_token_ids"), .honoured)
        XCTAssertNotEqual(RequestFields.completions.support(of: "use_beam_search"), .honoured)
    }

    func testATypoOneEditAwayIsNamed() {
        let fields = RequestFields.completions
        XCTAssertEqual(fields.suggestion(for: "temprature"), "temperature")  // a letter left out
        XCTAssertEqual(fields.suggestion(for: "max_token"), "max_tokens")
        XCTAssertEqual(fields.suggestion(for: "tmeperature"), "temperature")  // two letters swapped
        XCTAssertEqual(fields.suggestion(for: "top_q"), "top_p")  // one letter changed; honoured first
        XCTAssertEqual(fields.suggestion(for: "Echo"), "echo")
        XCTAssertNil(fields.suggestion(for: "temp"))
        XCTAssertNil(fields.suggestion(for: "zzz"))
        XCTAssertTrue(RequestFields.withinOneEdit("abc", "abcd"))
        XCTAssertTrue(RequestFields.withinOneEdit("abcd", "abc"))
        XCTAssertFalse(RequestFields.withinOneEdit("abc", "cab"))
    }

    /// The document's request schemas list exactly what the tables accept:
    /// every honoured field, and nothing the server would refuse as unknown.
    func testTheOpenAPIRequestSchemasMatchTheTables() throws {
        let document = try XCTUnwrap(JSON.parse(Array(OpenAPIDocument.json.utf8)))
        let schemas = try XCTUnwrap(document["components"]?["schemas"])
        let paths = try XCTUnwrap(document["paths"])
        func requestSchema(_ path: String) -> JSON? {
            paths[path]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        }
        let cases: [(JSON?, RequestFields)] = [
            (schemas["CompletionRequest"], .completions),
            (schemas["CompletionRequest"]?["properties"]?["stream_options"], .streamOptions),
            (schemas["ScoreRequest"], .score),
            (schemas["ScoreRequest"]?["properties"]?["items"]?["items"], .scoreItem),
            (requestSchema("/tokenize"), .tokenize),
            (requestSchema("/detokenize"), .detokenize),
        ]
        for (schema, table) in cases {
            let schema = try XCTUnwrap(schema, table.place)
            XCTAssertEqual(schema["additionalProperties"], .bool(false), table.place)
            let listed = Set(schema["properties"]?.keys ?? [])
            let honoured = Set(table.fields.filter { $0.support == .honoured }.map(\.name))
            XCTAssertEqual(honoured.subtracting(listed), [], "\(table.place): honoured but not in the document")
            for name in listed.subtracting(honoured) {
                // Listed and not honoured: only as the value that asks for nothing.
                guard case .unsupported = table.support(of: name) else { return XCTFail("\(table.place): \(name) is unknown") }
            }
        }
        let codes = schemas["Error"]?["properties"]?["error"]?["properties"]?["code"]?["enum"]?.array.compactMap(\.stringValue)
        XCTAssertEqual(codes, APIErrorCode.allCases.map(\.rawValue), "the document lists every error code")
    }

    // MARK: Refusals over HTTP

    func testUnknownAndUnsupportedFieldsOnEveryEndpoint() async throws {
        try await withApp { client in
            let cases: [(String, String, String, APIErrorCode)] = [
                ("/v1/completions", #"{"prompt": "x", "max_tokens": 1, "temprature": 0.5}"#, "temprature", .unknownParameter),
                ("/v1/completions", #"{"prompt": "x", "max_tokens": 1, "use_beam_search": true}"#, "use_beam_search", .unsupportedParameter),
                ("/v1/completions", #"{"prompt": "x", "max_tokens": 1, "priority": 3}"#, "priority", .unsupportedParameter),
                ("/v1/score", #"{"context": "a", "continuations": ["b"], "contexts": "a"}"#, "contexts", .unknownParameter),
                ("/v1/score", #"{"text_1": "a", "text_2": "b"}"#, "text_1", .unsupportedParameter),
                ("/v1/score", #"{"items": [{"context": "a", "continuation": "b", "weight": 1}]}"#, "items.weight", .unknownParameter),
                ("/tokenize", #"{"prompt": "x", "add_special_token": false}"#, "add_special_token", .unknownParameter),
                ("/tokenize", #"{"messages": [{"role": "user", "content": "x"}]}"#, "messages", .unsupportedParameter),
                ("/detokenize", #"{"tokens": [1], "skip_special_tokens": true}"#, "skip_special_tokens", .unknownParameter),
            ]
            for (path, body, param, code) in cases {
                let reply = try await client.post(path, body)
                XCTAssertEqual(reply.status, .badRequest, "\(path) \(body): \(reply.text)")
                XCTAssertEqual(reply.json["error"]?["code"], .string(code.rawValue), "\(path) \(body)")
                XCTAssertEqual(reply.json["error"]?["param"], .string(param), "\(path) \(body)")
                XCTAssert(reply.json["error"]?["message"]?.stringValue?.contains("`\(param.split(separator: ".").last!)`") ?? false, reply.text)
            }
            // The values that ask for nothing are accepted.
            let off = try await client.post("/v1/completions",
                #"{"prompt": "x", "max_tokens": 1, "use_beam_search": false, "priority": 0, "length_penalty": 1.0, "suffix": null}"#)
            XCTAssertEqual(off.status, .ok, off.text)
        }
    }

    func testABodyNotSentAsJSONIs415() async throws {
        try await withApp { client in
            for contentType in ["application/x-www-form-urlencoded", "text/plain", nil] {
                var headers = HTTPFields()
                if let contentType { headers[.contentType] = contentType }
                for path in ["/v1/completions", "/v1/score", "/tokenize", "/detokenize"] {
                    let reply = try await client.execute(uri: path, method: .post, headers: headers,
                                                         body: ByteBuffer(string: #"{"prompt": "x"}"#)) {
                        Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
                    }
                    XCTAssertEqual(reply.status, .unsupportedMediaType, "\(path) \(contentType ?? "none"): \(reply.text)")
                    XCTAssertEqual(reply.json["error"]?["code"], "unsupported_media_type")
                    XCTAssert(reply.json["error"]?["message"]?.stringValue?.contains("application/json") ?? false, reply.text)
                }
            }
            let parameters = try await client.post("/tokenize", #"{"prompt": "x"}"#, headers: [:])
            XCTAssertEqual(parameters.status, .ok)
        }
    }

    // MARK: best_of and allowed_token_ids

    /// best_of samples every sequence (all billed) and returns the n most likely, best first.
    func testBestOfReturnsTheMostLikelyNAndBillsAll() async throws {
        try await withApp { client in
            let reply = try await client.post("/v1/completions", json: .object([
                ("prompt", "Once upon a time"), ("max_tokens", 4), ("ignore_eos", true), ("n", 2), ("best_of", 5),
                ("seed", 7), ("logprobs", 0)]))
            XCTAssertEqual(reply.status, .ok, reply.text)
            let choices = reply.json["choices"]!.array
            XCTAssertEqual(choices.count, 2)
            XCTAssertEqual(choices.map { $0["index"]?.intValue }, [0, 1])
            XCTAssertEqual(reply.json["usage"]?["completion_tokens"], 20, "all 5 sequences of 4 tokens are billed")
            let sums = choices.map { $0["logprobs"]?["token_logprobs"]?.array.compactMap(\.double).reduce(0, +) ?? 0 }
            XCTAssertGreaterThanOrEqual(sums[0], sums[1], "most likely first")

            // The same seed without best_of gives the first 2 of the same 5 samples:
            // the ones best_of returned are at least as likely as either.
            let plain = try await client.post("/v1/completions", json: .object([
                ("prompt", "Once upon a time"), ("max_tokens", 4), ("ignore_eos", true), ("n", 5), ("seed", 7), ("logprobs", 0)]))
            let all = plain.json["choices"]!.array.map { $0["logprobs"]?["token_logprobs"]?.array.compactMap(\.double).reduce(0, +) ?? 0 }
            XCTAssertEqual(all.count, 5)
            let best = all.sorted(by: >).prefix(2)
            XCTAssertEqual(sums[0], best.first!, accuracy: 1e-4)
            XCTAssertEqual(sums[1], best.last!, accuracy: 1e-4)

            // Without logprobs asked for, none are shown.
            let quiet = try await client.post("/v1/completions", json: .object([
                ("prompt", "Once upon a time"), ("max_tokens", 2), ("best_of", 3)]))
            XCTAssertEqual(quiet.status, .ok, quiet.text)
            XCTAssertEqual(quiet.json["choices"]!.array.count, 1)
            XCTAssertEqual(quiet.json["choices"]![0]["logprobs"], .null)
        }
    }

    func testAllowedTokenIdsRestrictWhatIsSampled() async throws {
        try await withApp { client in
            let allowed = [28, 29, 30, 418, 1032]
            let reply = try await client.post("/v1/completions", json: .object([
                ("prompt", "The capital of France is"), ("max_tokens", 12), ("ignore_eos", true), ("n", 3),
                ("temperature", .double(1.5)), ("allowed_token_ids", JSON(allowed)), ("return_token_ids", true)]))
            XCTAssertEqual(reply.status, .ok, reply.text)
            for choice in reply.json["choices"]!.array {
                let ids = choice["token_ids"]!.array.compactMap(\.intValue)
                XCTAssertEqual(ids.count, 12)
                XCTAssert(ids.allSatisfy(allowed.contains), "\(ids)")
            }
            // Greedy picks the most likely of the allowed tokens.
            let greedy = try await client.post("/v1/completions", json: .object([
                ("prompt", "The capital of France is"), ("max_tokens", 1), ("temperature", 0), ("allowed_token_ids", JSON([418])),
                ("return_token_ids", true)]))
            XCTAssertEqual(greedy.json["choices"]![0]["token_ids"], JSON([418]), greedy.text)
        }
    }

    // MARK: Response shape

    func testChoicesCarryNullPromptLogprobsAndUsageNullDetails() async throws {
        try await withApp { client in
            let reply = try await client.post("/v1/completions", #"{"prompt": "Quietly the", "max_tokens": 1}"#)
            XCTAssertEqual(reply.status, .ok)
            let choice = reply.json["choices"]![0]
            XCTAssert(choice.keys.contains("prompt_logprobs"), reply.text)
            XCTAssertEqual(choice["prompt_logprobs"], .null)
            XCTAssertEqual(reply.json["usage"]?["prompt_tokens_details"], .null)
        }
    }

    // MARK: Codes of errors from below the API

    func testErrorsFromBelowCarryTheirCodes() {
        let cases: [(any Error, APIErrorCode, Int)] = [
            (BackendError.invalidRequest("bad", param: "n"), .invalidRequest, 400),
            (BackendError.contextLengthExceeded("long", param: "prompt"), .contextLengthExceeded, 400),
            (BackendError.upstreamFailure("down"), .upstreamUnreachable, 502),
            (BackendError.upstreamTimeout("slow"), .upstreamTimeout, 504),
            (BackendError.unavailable("busy"), .serviceUnavailable, 503),
            (BackendError.failed("bug"), .internalError, 500),
            (HTTPError(.notFound), .notFound, 404),
            (HTTPError(.contentTooLarge), .payloadTooLarge, 413),
            (HTTPError(.unauthorized), .invalidAPIKey, 401),
            (CocoaError(.fileNoSuchFile), .internalError, 500),
            (CancellationError(), .clientClosedRequest, 499),
        ]
        for (error, code, status) in cases {
            let api = APIError(error)
            XCTAssertEqual(api.code, code, "\(error)")
            XCTAssertEqual(Int(api.status.code), status, "\(error)")
            XCTAssertEqual(api.json["error"]?["code"], .string(code.rawValue))
        }
    }

    func testRequestsWhileDrainingGet503ServerDraining() async throws {
        let state = ServerState()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            models: ModelRegistry([try SharedModel.backend()]), authenticator: nil,
            configuration: ServerConfiguration(cancelOnDisconnect: false), state: state, logger: logger)
        try await app.test(.router) { client in
            let before = try await client.post("/tokenize", #"{"prompt": "Hi"}"#)
            XCTAssertEqual(before.status, .ok)
            state.beginDraining()
            for path in ["/v1/completions", "/tokenize"] {
                let reply = try await client.post(path, #"{"prompt": "Hi", "max_tokens": 1}"#)
                XCTAssertEqual(reply.status, .serviceUnavailable, reply.text)
                XCTAssertEqual(reply.json["error"]?["code"], "server_draining")
            }
            let models = try await client.get("/v1/models")
            XCTAssertEqual(models.json["error"]?["code"], "server_draining")
        }
    }
}
