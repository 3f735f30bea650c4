@testable import Backends
import XCTest

final class TOMLSubsetTests: XCTestCase {
    func testValuesTablesAndComments() throws {
        let root = try TOMLSubset.parse("""
            # models
            [[model]]
            name = "a"   # trailing comment
            urls = [
              "http://x:1",
              'http://y:2',   # literal string
            ]
            max_model_len = 4_096
            timeout_seconds = 0.5
            capabilities = { prompt_logprobs = false, echo = true }
            [model.extra]
            note = "tab\\there \\u00e9"

            [[model]]
            name = "b"
            [model.extra]
            note = "again"
            """)
        guard case .array(let models)? = root["model"], models.count == 2, case .table(let a) = models[0] else {
            return XCTFail("two [[model]] tables expected: \(root)")
        }
        XCTAssertEqual(a["name"], .string("a"))
        XCTAssertEqual(a["urls"], .array([.string("http://x:1"), .string("http://y:2")]))
        XCTAssertEqual(a["max_model_len"], .integer(4096))
        XCTAssertEqual(a["timeout_seconds"], .float(0.5))
        XCTAssertEqual(a["capabilities"], .table(["prompt_logprobs": .bool(false), "echo": .bool(true)]))
        XCTAssertEqual(a["extra"], .table(["note": .string("tab\there é")]))
        guard case .table(let b) = models[1] else { return XCTFail() }
        XCTAssertEqual(b["extra"], .table(["note": .string("again")]))
    }

    func testErrorsNameTheLine() {
        func error(_ text: String) -> TOMLError? {
            do { _ = try TOMLSubset.parse(text); return nil } catch { return error as? TOMLError }
        }
        XCTAssertEqual(error("a = 1\nb = unquoted")?.line, 2)
        XCTAssertEqual(error("a = 1\na = 2")?.message, "the key a is set twice")
        XCTAssertEqual(error("a = \"open")?.message, "a string is not closed on its line")
        XCTAssertNotNil(error("a.b = 1"))
        XCTAssertNotNil(error("a = 1 b = 2"))
        XCTAssertNotNil(error("[t]\n[t]"))
        XCTAssertNotNil(error("a = [1, 2"))
    }
}

final class ServeConfigurationFileTests: XCTestCase {
    let example = """
        [[model]]
        name = "smollm2"
        path = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

        [[model]]
        name = "big"
        kind = "llama.cpp"
        urls = ["http://gpu1:8000/v1/", "http://gpu2:8000"]
        api_key_env = "BIG_KEY"
        served_model_name = "meta/big"
        max_model_len = 8192
        timeout_seconds = 30
        health_check_seconds = 1
        capabilities = { tokenize = false }
        """

    func testLocalAndUpstreamModels() throws {
        let file = try ServeConfigurationFile.parse(example, environment: ["BIG_KEY": "sk-secret"])
        XCTAssertEqual(file.localModels, [.init(name: "smollm2", path: "models/SmolLM2-135M-Instruct.Q4_1.gguf")])
        XCTAssertEqual(file.upstreams.count, 1)
        let u = file.upstreams[0]
        XCTAssertEqual(u.name, "big")
        XCTAssertEqual(u.urls, ["http://gpu1:8000", "http://gpu2:8000"])
        XCTAssertEqual(u.kind, .llamaCpp)
        XCTAssertEqual(u.apiKey, "sk-secret")
        XCTAssertEqual(u.servedModelName, "meta/big")
        XCTAssertEqual(u.maxModelLength, 8192)
        XCTAssertEqual(u.timeoutSeconds, 30)
        XCTAssertEqual(u.healthCheckSeconds, 1)
        // llama.cpp's defaults, with tokenize turned off.
        XCTAssertEqual(u.capabilities, UpstreamCapabilities(promptLogprobs: false, echo: false, tokenize: false))
    }

    func testKindDefaults() throws {
        let file = try ServeConfigurationFile.parse("[[model]]\nname = \"v\"\nurl = \"http://h:1\"")
        XCTAssertEqual(file.upstreams[0].kind, .vllm)
        XCTAssertEqual(file.upstreams[0].capabilities, UpstreamCapabilities(promptLogprobs: true, echo: true, tokenize: true))
        XCTAssertEqual(file.upstreams[0].healthPath, "/health")
        XCTAssertEqual(UpstreamKind.openai.defaultCapabilities, UpstreamCapabilities(promptLogprobs: false, echo: false, tokenize: false))
    }

    func testMistakesAreExplained() {
        func message(_ text: String, _ env: [String: String] = [:]) -> String {
            do { _ = try ServeConfigurationFile.parse(text, environment: env); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(example).contains("api_key_env names BIG_KEY, which is not set"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\ntimeout = 3").contains("timeout is not a setting"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\nkind = \"tgi\"").contains("kind tgi is not one of"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"ftp://h\"]").contains("is not an http"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"").contains("needs either path"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\nmax_model_len = \"8k\"").contains("max_model_len must be an integer"))
        XCTAssertTrue(message("[[model]]\nurls = [\"http://h:1\"]").contains("needs a name"))
        XCTAssertTrue(message("models = 1").contains("unknown setting models"))
    }

    func testTheKeyNeverAppearsInErrors() {
        let text = example.replacingOccurrences(of: "api_key_env = \"BIG_KEY\"", with: "api_key = \"sk-secret\"\nbogus = 1")
        do {
            _ = try ServeConfigurationFile.parse(text)
            XCTFail("bogus is not a setting")
        } catch {
            XCTAssertFalse("\(error)".contains("sk-secret"))
        }
    }
}
