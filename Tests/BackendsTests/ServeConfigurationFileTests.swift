@testable import Backends
import XCTest

final class TOMLSyntaxTests: XCTestCase {
    /// TOML as people write it: comments, literal strings, multi-line arrays,
    /// digit separators, inline tables.
    func testTheWholeSyntaxReads() throws {
        let file = try ServeConfigurationFile.parse("""
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

            [[model]]
            name = "b"
            path = 'models/b.gguf'
            """)
        XCTAssertEqual(file.upstreams.count, 1)
        let a = file.upstreams[0]
        XCTAssertEqual(a.urls, ["http://x:1", "http://y:2"])
        XCTAssertEqual(a.maxModelLength, 4096)
        XCTAssertEqual(a.timeoutSeconds, 0.5)
        XCTAssertEqual(a.capabilities, UpstreamCapabilities(promptLogprobs: false, echo: true, tokenize: true))
        XCTAssertEqual(file.localModels, [.init(name: "b", path: "models/b.gguf")])
    }

    func testSyntaxErrorsNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try ServeConfigurationFile.parse(text); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("[[model]]\nname = unquoted").hasPrefix("line 2"), message("[[model]]\nname = unquoted"))
        XCTAssertTrue(message("[[model]]\nname = \"a\"\nname = \"b\"").hasPrefix("line 3"))
        XCTAssertTrue(message("[[model]]\nname = \"open").hasPrefix("line 2"))
        XCTAssertFalse(message("a = [1, 2").isEmpty)
        XCTAssertFalse(message("[t]\n[t]").isEmpty)
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
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = \"http://h:1\"").contains("model 1: urls must be a list of strings"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\ntimeout_seconds = \"soon\"").contains("timeout_seconds must be a number"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\ncapabilities = { echo = 1 }").contains("echo must be true or false"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\nurls = [\"http://h:1\"]\ncapabilities = { logits = true }").contains("logits is not a setting of capabilities"))
        XCTAssertTrue(message("[[model]]\nname = \"x\"\npath = \"m.gguf\"\nurls = [\"http://h:1\"]").contains("urls is not a setting of a local model"))
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
