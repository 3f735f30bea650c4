import Tokenizer
import XCTest

/// The prompts of the golden log-probability files must tokenize to the ids the
/// reference computation scored, and each id must read back as its recorded text.
final class GoldenTokenizationTests: XCTestCase {
    func testSmolLM2GoldenPromptsEncodeWithSpecialTokensAndNoBOS() throws {
        let tokenizer = try TestData.smolLM2()
        let golden = try TestData.golden("smollm2")
        XCTAssertFalse(tokenizer.addsBOS, "SmolLM2's add_bos_token is false")
        XCTAssertFalse(golden.cases.isEmpty)
        for (i, c) in golden.cases.enumerated() {
            XCTAssertEqual(tokenizer.encode(c.prompt), c.token_ids, "case \(i) \(c.prompt.prefix(60).debugDescription)")
            XCTAssertEqual(tokenizer.encode(c.prompt, addSpecialTokens: false, parseSpecial: true), c.token_ids, "case \(i)")
        }
    }

    func testSmolLM2GoldenTokensReadBackAsRecordedText() throws {
        let tokenizer = try TestData.smolLM2()
        for (i, c) in try TestData.golden("smollm2").cases.enumerated() {
            XCTAssertEqual(c.token_ids.map(tokenizer.tokenText), c.tokens, "case \(i)")
        }
    }

    func testTinyLlama3GoldenPromptsEncodeWithBOSPrepended() throws {
        let tokenizer = try TestData.tinyLlama3()
        let golden = try TestData.golden("tiny-llama3")
        XCTAssertTrue(tokenizer.addsBOS)
        XCTAssertEqual(tokenizer.bosTokenId, 128000)
        XCTAssertFalse(golden.cases.isEmpty)
        for (i, c) in golden.cases.enumerated() {
            XCTAssertEqual(c.token_ids.first, 128000)
            XCTAssertEqual(tokenizer.encode(c.prompt), c.token_ids, "case \(i) \(c.prompt.prefix(60).debugDescription)")
        }
    }

    func testTinyLlama3GoldenTokensReadBackAsRecordedText() throws {
        let tokenizer = try TestData.tinyLlama3()
        for (i, c) in try TestData.golden("tiny-llama3").cases.enumerated() {
            XCTAssertEqual(c.token_ids.map(tokenizer.tokenText), c.tokens, "case \(i)")
        }
    }
}
