import Tokenizer
import XCTest

/// Control tokens written in the text: matched whole when asked, plain text otherwise.
final class SpecialTokenTests: XCTestCase {
    func testControlTokensInTextBecomeSingleTokensWhenParsingSpecial() throws {
        let t = try TestData.smolLM2()
        let ids = t.encode("<|im_start|>user\nHi<|im_end|>", addSpecialTokens: false)
        XCTAssertEqual(ids.first, 1)
        XCTAssertEqual(ids.last, 2)
        XCTAssertEqual(ids.filter { t.isSpecial($0) }.count, 2)
    }

    func testControlTokensInTextAreOrdinaryTextWithoutParseSpecial() throws {
        let t = try TestData.smolLM2()
        let ids = t.encode("<|im_start|>user", addSpecialTokens: false, parseSpecial: false)
        XCTAssertFalse(ids.contains(1))
        XCTAssertTrue(ids.allSatisfy { !t.isSpecial($0) })
        XCTAssertEqual(t.decode(ids), "<|im_start|>user")
    }

    func testLongestSpecialTokenWinsAtAPosition() throws {
        let t = try TestData.tinyLlama3()
        // "<|reserved_special_token_10|>" must not stop at "<|reserved_special_token_1".
        let ids = t.encode("<|reserved_special_token_10|>", addSpecialTokens: false)
        XCTAssertEqual(ids.count, 1)
        XCTAssertEqual(t.tokenText(ids[0]), "<|reserved_special_token_10|>")
    }

    func testBOSIsPrependedOnlyWhenTheModelAsksAndSpecialTokensAreAdded() throws {
        let llama3 = try TestData.tinyLlama3()
        XCTAssertEqual(llama3.encode("Hi").first, 128000)
        XCTAssertNotEqual(llama3.encode("Hi", addSpecialTokens: false).first, 128000)
        let smol = try TestData.smolLM2()
        XCTAssertEqual(smol.encode("Hi"), smol.encode("Hi", addSpecialTokens: false))
        let spm = try TestData.vocab("llama-spm")
        XCTAssertTrue(spm.addsBOS, "SentencePiece llama vocabularies add BOS by default")
        XCTAssertEqual(spm.encode("Hi").first, spm.bosTokenId)
    }

    func testSkipSpecialTokensDropsControlTokensFromDecodedText() throws {
        let t = try TestData.smolLM2()
        let ids = t.encode("<|im_start|>assistant\nHello<|im_end|>")
        XCTAssertEqual(t.decode(ids), "<|im_start|>assistant\nHello<|im_end|>")
        XCTAssertEqual(t.decode(ids, skipSpecialTokens: true), "assistant\nHello")
    }
}
