@testable import API
import Foundation
import HTTPTypes
import Hummingbird
import JSONValue
import Logging
import TestSupport
import XCTest

/// Authentication, the tokenizer routes, models, scoring, metrics and the OpenAPI document.
final class RoutesTests: XCTestCase {
    func testKeysAreRequiredOnV1AndTokenizerRoutes() async throws {
        try await withApp(keys: ["secret-1", "secret-2"]) { client in
            for (method, path) in [(HTTPRequest.Method.post, "/v1/completions"), (.get, "/v1/models"), (.post, "/tokenize"),
                                   (.post, "/detokenize"), (.post, "/v1/score")] {
                let none = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}")) {
                    Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
                }
                XCTAssertEqual(none.status, .unauthorized, path)
                XCTAssertEqual(none.json["error"]?["type"], "authentication_error")
                XCTAssertEqual(none.json["error"]?["code"], "invalid_api_key")
                let wrong = try await client.execute(uri: path, method: method, headers: [.authorization: "Bearer nope"],
                                                     body: ByteBuffer(string: "{}")) { $0.status }
                XCTAssertEqual(wrong, .unauthorized, path)
            }
            let ok = try await client.get("/v1/models", headers: [.authorization: "Bearer secret-2"])
            XCTAssertEqual(ok.status, .ok)
            let model = ok.json["data"]![0]
            XCTAssertEqual(model["id"], "smollm2-135m-instruct")
            XCTAssertEqual(model["object"], "model")
            XCTAssertEqual(model["max_model_len"], 8192)
            XCTAssertEqual(ok.json["object"], "list")
            // Public routes need no key.
            for path in ["/health", "/version", "/tokenizer_info", "/openapi.json", "/metrics"] {
                let status = try await client.get(path, headers: path == "/metrics" ? metricsAuthorization : [:]).status
                XCTAssertEqual(status, .ok, path)
            }
        }
    }

    func testTokenizerRoutes() async throws {
        try await withApp { client in
            let t = try await client.post("/tokenize", #"{"prompt": "The capital of France is", "add_special_tokens": false}"#)
            XCTAssertEqual(t.json["tokens"], .array([504, 3575, 282, 4649, 314]))
            XCTAssertEqual(t.json["count"], 5)
            XCTAssertEqual(t.json["max_model_len"], 8192)
            let d = try await client.post("/detokenize", #"{"tokens": [504, 3575, 282, 4649, 314]}"#)
            XCTAssertEqual(d.json["prompt"], "The capital of France is")
            let bad = try await client.post("/detokenize", #"{"tokens": [504, 123456789]}"#)
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(bad.json["error"]?["param"], "tokens")
            let info = try await client.get("/tokenizer_info")
            XCTAssertEqual(info.json["eos_token"], "<|im_end|>")
            XCTAssertEqual(info.json["bos_token"], "<|im_start|>")
            XCTAssertEqual(info.json["add_bos_token"], false)
            XCTAssertEqual(info.json["model_max_length"], 8192)
        }
    }

    func testScoreMatchesTheGoldenReferenceAndSharesTheContext() async throws {
        let c = try GoldenFile.load("smollm2.json").cases[0]
        try await withApp { client in
            let reply = try await client.post("/v1/score", json: .object([
                ("context_token_ids", .array(c.token_ids.prefix(3).map { .int($0) })),
                ("continuation_token_ids", .array([.array(c.token_ids.dropFirst(3).map { .int($0) }), .array([.int(c.greedy.token_ids[0])])])),
            ]))
            XCTAssertEqual(reply.status, .ok, reply.text)
            let data = reply.json["data"]!.array
            XCTAssertEqual(data.count, 2)
            let first = data[0]
            XCTAssertEqual(first["num_tokens"], 2)
            let lps = first["token_logprobs"]!.array.compactMap(\.double)
            XCTAssertEqual(lps[0], c.prompt_logprobs[3]!.logprob, accuracy: goldenTolerance)
            XCTAssertEqual(lps[1], c.prompt_logprobs[4]!.logprob, accuracy: goldenTolerance)
            XCTAssertEqual(first["logprob"]?.double ?? 0, lps[0] + lps[1], accuracy: 1e-9)
            XCTAssertEqual(first["is_greedy"], .bool(c.prompt_logprobs[3]!.rank == 1 && c.prompt_logprobs[4]!.rank == 1))
            XCTAssertEqual(reply.json["usage"]?["prompt_tokens"], .int(3 + 2 + 1), "the context is evaluated once")

            // Text form: context and continuation tokenized separately; " Paris" is greedy after the full prompt.
            let text = try await client.post("/v1/score", #"{"context": "The capital of France is", "continuations": [" Paris", " London"]}"#)
            let items = text.json["data"]!.array
            XCTAssertEqual(items[0]["tokens"], .array([" Paris"]))
            XCTAssertEqual(items[0]["logprob"]?.double ?? 0, c.next_token_top[0].logprob, accuracy: goldenTolerance)
            XCTAssertEqual(items[0]["is_greedy"], true)
            XCTAssertEqual(items[1]["is_greedy"], false)

            let batch = try await client.post("/v1/score", #"{"items": [{"context": "The capital", "continuation": " of France"}, {"context": [504], "continuation": [3575]}]}"#)
            XCTAssertEqual(batch.json["data"]!.array.count, 2)
            XCTAssertEqual(batch.json["data"]![1]["logprob"]?.double ?? 0, c.prompt_logprobs[1]!.logprob, accuracy: goldenTolerance)

            let empty = try await client.post("/v1/score", #"{"context": "", "continuations": ["x"]}"#)
            XCTAssertEqual(empty.status, .badRequest)
            let missing = try await client.post("/v1/score", #"{"context": "x"}"#)
            XCTAssertEqual(missing.status, .badRequest)
        }
    }

    func testMetricsCountRequestsAndTokens() async throws {
        try await withApp { client in
            _ = try await client.post("/v1/completions", #"{"prompt": "Hello", "max_tokens": 2, "temperature": 0}"#)
            _ = try await client.get("/nowhere")
            let text = try await client.get("/metrics", headers: metricsAuthorization).text
            XCTAssert(text.contains(#"baseserve_requests_total{route="/v1/completions",status="200"} 1"#), text)
            XCTAssert(text.contains(#"status="404""#), text)
            XCTAssert(text.contains("baseserve_prompt_tokens_total 1"), text)
            XCTAssert(text.contains("baseserve_generation_tokens_total 2"), text)
            XCTAssert(text.contains("baseserve_time_to_first_token_seconds"), text)
            XCTAssert(text.contains("baseserve_request_duration_seconds"), text)
            XCTAssert(text.contains("baseserve_engine_jobs"), text)
            XCTAssert(text.contains("baseserve_requests_running"), text)
            XCTAssert(text.contains("baseserve_kv_cache_bytes 0"), "no job holds a cache once the requests are done: \(text)")
        }
    }

    func testHealthAnswers503WhileDraining() async throws {
        let backend = try SharedModel.backend()
        let state = ServerState()
        let app = buildApplication(models: ModelRegistry([backend]), authenticator: nil,
                                   configuration: ServerConfiguration(cancelOnDisconnect: false), state: state,
                                   logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let ready = try await client.get("/health")
            XCTAssertEqual(ready.status, .ok)
            state.beginDraining()
            let reply = try await client.get("/health")
            XCTAssertEqual(reply.status, .serviceUnavailable)
            XCTAssertEqual(reply.json["status"], "draining")
        }
    }

    func testOpenAPIDocumentListsExactlyTheServedRoutes() throws {
        let document = try XCTUnwrap(JSON.parse(Array(OpenAPIDocument.json.utf8)), "the document is JSON")
        var documented: Set<String> = []
        for (path, item) in document["paths"]!.members {
            for (method, _) in item.members { documented.insert("\(method.uppercased()) \(path)") }
        }
        let backend = try SharedModel.backend()
        let router = buildRouter(models: ModelRegistry([backend]), authenticator: nil, configuration: ServerConfiguration(cancelOnDisconnect: false),
                                 metrics: ServerMetrics(), logger: Logger(label: "test"))
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        XCTAssertEqual(documented, served)
    }
}
