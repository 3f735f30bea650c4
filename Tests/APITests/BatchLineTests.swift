@testable import API
import Backends
import Foundation
import Hummingbird
import JSONValue
import Logging
import XCTest

/// The Batch API's pieces that need no database: the multipart upload, the
/// line validator (the endpoint's own parsing) and the dispatcher that runs a
/// line through the API's own routes.
final class BatchLineTests: XCTestCase {
    private func parts(_ backend: LocalBackend) -> (BatchInputValidator, ServerConfiguration) {
        let configuration = ServerConfiguration(cancelOnDisconnect: false)
        let models = ModelRegistry([backend])
        let queues = KeyQueues(defaultConcurrency: 8, maxWaiting: 8)
        let validator = BatchInputValidator(
            completions: CompletionsController(models: models, configuration: configuration, metrics: ServerMetrics(), queues: queues),
            score: ScoreController(models: models, configuration: configuration, metrics: ServerMetrics(), queues: queues),
            configuration: configuration)
        return (validator, configuration)
    }

    func testMultipartFormReadsAnUploadAsTheOpenAIClientSendsIt() throws {
        let boundary = "9b0a1f2c3d4e"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + "{\"a\":1}\r\n{\"b\":2}\n\r\n--\(boundary)--\r\n"
        XCTAssertEqual(MultipartForm.boundary(contentType: "multipart/form-data; boundary=\(boundary)"), boundary)
        XCTAssertNil(MultipartForm.boundary(contentType: "application/json"))
        let form = try MultipartForm(body: Array(body.utf8), boundary: boundary)
        XCTAssertEqual(form.part("purpose").map { String(decoding: $0.content, as: UTF8.self) }, "batch")
        XCTAssertEqual(form.part("file")?.filename, "in.jsonl")
        XCTAssertEqual(form.part("file").map { String(decoding: $0.content, as: UTF8.self) }, "{\"a\":1}\r\n{\"b\":2}\n")
        XCTAssertThrowsError(try MultipartForm(body: Array("--\(boundary)\r\nno end".utf8), boundary: boundary))
    }

    func testEachBadLineIsReportedWithTheEndpointsOwnErrorCode() throws {
        let (validator, _) = parts(try SharedModel.backend())
        let model = "smollm2-135m-instruct"
        let file = [
            #"{"custom_id": "a", "method": "POST", "url": "/v1/completions", "body": {"model": "\#(model)", "prompt": "Hi", "max_tokens": 1}}"#,
            #"{"custom_id": "b", "method": "POST", "url": "/v1/completions", "body": {"model": "\#(model)", "prompt": "Hi", "temprature": 0}}"#,
            "",
            #"{"custom_id": "a", "method": "POST", "url": "/v1/completions", "body": {"model": "\#(model)", "prompt": "Hi"}}"#,
            #"{"custom_id": "c", "method": "POST", "url": "/v1/score", "body": {"model": "\#(model)", "prompt": "Hi"}}"#,
            #"{"custom_id": "d", "method": "POST", "url": "/v1/completions", "body": {"model": "nope", "prompt": "Hi"}}"#,
            #"{"custom_id": "e", "method": "POST", "url": "/v1/completions", "body": {"model": "\#(model)", "prompt": "Hi", "stream": true}}"#,
            #"{"custom_id": "f", "method": "POST", "url": "/v1/completions", "body": {}, "extra": 1}"#,
            "not json",
        ].joined(separator: "\n")
        let (lines, errors) = validator.validate(file, endpoint: "/v1/completions", principal: nil)
        XCTAssertTrue(lines.isEmpty, "a file with any bad line runs nothing")
        XCTAssertEqual(errors.map(\.line), [2, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(errors.map(\.code), ["unknown_parameter", "duplicate_custom_id", "invalid_request", "model_not_found",
                                            "invalid_request", "unknown_parameter", "invalid_request"])
        XCTAssertTrue(errors[0].message.contains("temperature"), errors[0].message)

        let good = validator.validate(file.split(separator: "\n").prefix(1).joined() + "\n", endpoint: "/v1/completions", principal: nil)
        XCTAssertEqual(good.errors, [])
        XCTAssertEqual(good.lines.map(\.customID), ["a"])
    }

    func testALineRunsThroughTheRouteAndAnswersAsItDoes() async throws {
        let backend = try SharedModel.backend()
        let (_, configuration) = parts(backend)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let dispatcher = BatchLineDispatcher(models: ModelRegistry([backend]), configuration: configuration, metrics: ServerMetrics(),
                                             settings: BatchSettings(), logger: logger)
        let body = #"{"model": "smollm2-135m-instruct", "context": "The capital of France is", "continuations": [" Paris", " Lyon"]}"#
        let answer = await dispatcher.dispatch(endpoint: "/v1/score", body: body, principal: nil)
        XCTAssertEqual(answer.status, 200)
        XCTAssertFalse(answer.requestID.isEmpty)
        let refused = await dispatcher.dispatch(endpoint: "/v1/score", body: #"{"model": "smollm2-135m-instruct", "contxt": "x"}"#, principal: nil)
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.body["error"]?["code"], "unknown_parameter")
        XCTAssertNil(BatchRunner.retryDelay(refused), "a 400 is the line's answer")

        try await withApp { client in
            let direct = try await client.post("/v1/score", body)
            XCTAssertEqual(direct.json["data"], answer.body["data"])
        }
    }

    func testOnlyTemporaryRefusalsSendALineBackToThePool() {
        func answer(_ code: APIErrorCode) -> BatchLineDispatcher.Answer {
            BatchLineDispatcher.Answer(status: Int(code.status.code), requestID: "r", body: APIError(code, "x").json)
        }
        XCTAssertNotNil(BatchRunner.retryDelay(answer(.rateLimitExceeded)))
        XCTAssertNotNil(BatchRunner.retryDelay(answer(.queueFull)))
        XCTAssertNotNil(BatchRunner.retryDelay(answer(.serverDraining)))
        XCTAssertNil(BatchRunner.retryDelay(answer(.budgetExceeded)), "a spent budget is the line's answer: budget_exceeded in the error file")
        XCTAssertNil(BatchRunner.retryDelay(answer(.invalidRequest)))
    }
}
