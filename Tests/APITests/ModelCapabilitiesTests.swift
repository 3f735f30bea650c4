@testable import API
import Backends
import JSONValue
import XCTest

/// `/v1/models` tells a client what it may ask of each model and which exact
/// weights answer.
final class ModelCapabilitiesTests: XCTestCase {
    func testLocalModelListsItsCapabilitiesShapeAndFileDigest() async throws {
        try await withApp(maxLogprobs: 7) { client in
            let reply = try await client.get("/v1/models")
            XCTAssertEqual(reply.status, .ok)
            let capabilities = try XCTUnwrap(reply.json["data"]?[0]["capabilities"])
            XCTAssertEqual(capabilities["max_model_len"], 8192)
            XCTAssertEqual(capabilities["max_logprobs"], 7)
            XCTAssertEqual(capabilities["prompt_logprobs"], true)
            XCTAssertEqual(capabilities["echo"], true)
            XCTAssertEqual(capabilities["score"], true)
            XCTAssertEqual(capabilities["n_layers"], 30)
            XCTAssertEqual(capabilities["hidden_size"], 576)
            XCTAssertEqual(capabilities["kind"], "local")
            XCTAssertEqual(capabilities["quantization"], "Q4_1")
            // The digest scripts/setup.sh checks the downloaded file against.
            XCTAssertEqual(capabilities["sha256"], "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        }
    }

    func testUpstreamModelHasNoFileDigestAndUnknownShapeIsNull() {
        let descriptor = ModelDescriptor(
            name: "llama-70b", maxModelLength: 8192, vocabularySize: 128_256, created: 0,
            capabilities: .init(promptLogprobs: false, echo: true, scoring: true, tokenization: true), kind: .upstream)
        let capabilities = ModelListing.entry(descriptor, maxLogprobs: 20)["capabilities"]
        XCTAssertEqual(capabilities?["kind"], "upstream")
        XCTAssertEqual(capabilities?["prompt_logprobs"], false)
        XCTAssertEqual(capabilities?["n_layers"], .null)
        XCTAssertEqual(capabilities?["hidden_size"], .null)
        XCTAssertNil(capabilities?["sha256"])
        XCTAssertNil(capabilities?["quantization"])
    }
}
