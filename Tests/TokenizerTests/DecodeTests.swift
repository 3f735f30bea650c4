import Tokenizer
import XCTest

/// Decoding gives back the text that was encoded, and single tokens read as
/// Hugging Face reads them.
final class DecodeTests: XCTestCase {
    private func checkRoundTrips(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try TestData.vocab(name, file: file, line: line)
        for (i, (text, _)) in try TestData.vectorCases(name, file: file, line: line).enumerated() {
            XCTAssertEqual(t.decode(t.encode(text, addSpecialTokens: false)), text, "\(name) case \(i)", file: file, line: line)
            XCTAssertEqual(t.decode(t.encode(text), skipSpecialTokens: true), text, "\(name) case \(i) with BOS", file: file, line: line)
        }
    }

    func testByteLevelDecodeRoundTripsEveryVectorInput() throws {
        for name in ["gpt-2", "llama-bpe", "qwen2", "starcoder", "deepseek-llm"] { try checkRoundTrips(name) }
    }

    func testSentencePieceDecodeRoundTripsEveryVectorInputDroppingTheAddedSpace() throws {
        try checkRoundTrips("llama-spm")
    }

    func testSentencePieceKeepsTheLeadingSpaceOfAContinuation() throws {
        let t = try TestData.vocab("llama-spm")
        let ids = t.encode(" world", addSpecialTokens: false)
        XCTAssertEqual(t.decode(ids), " world", "only the space encode added is dropped")
        let word = t.encode("Hello world", addSpecialTokens: false)
        XCTAssertEqual(t.decode(Array(word.suffix(1)), continuesText: true), " world")
        XCTAssertEqual(t.decode(Array(word.suffix(1))), "world")
        XCTAssertEqual(t.tokenBytes(word.last!), Array(" world".utf8))
    }

    func testLoneContinuationByteTokenReadsAsReplacementCharacter() throws {
        let byteLevel = try TestData.vocab("gpt-2")
        let id = try XCTUnwrap((0..<byteLevel.vocabularySize).first { byteLevel.tokenBytes($0) == [0x80] })
        XCTAssertEqual(byteLevel.tokenText(id), "\u{FFFD}")
        let spm = try TestData.vocab("llama-spm")
        let byteId = try XCTUnwrap((0..<spm.vocabularySize).first { spm.tokenBytes($0) == [0x80] })
        XCTAssertEqual(spm.tokenText(byteId), "\u{FFFD}")
    }

    func testInvalidUTF8AcrossASequenceBecomesReplacementCharacters() throws {
        let t = try TestData.vocab("gpt-2")
        let lead = try XCTUnwrap((0..<t.vocabularySize).first { t.tokenBytes($0) == [0xC3] })
        let trail = try XCTUnwrap((0..<t.vocabularySize).first { t.tokenBytes($0) == [0xA9] })
        XCTAssertEqual(t.decode([lead, trail]), "é")
        XCTAssertEqual(t.decode([trail, lead]), "\u{FFFD}\u{FFFD}")
    }

    func testInvalidIdsAreRejectedAndIgnored() throws {
        let t = try TestData.vocab("gpt-2")
        XCTAssertFalse(t.isValid(-1))
        XCTAssertFalse(t.isValid(t.vocabularySize))
        XCTAssertTrue(t.isValid(t.vocabularySize - 1))
        XCTAssertEqual(t.tokenBytes(-5), [])
        XCTAssertEqual(t.decode([-1, t.vocabularySize]), "")
    }

    func testControlTokensReadAsTheirTextAndCountAsSpecial() throws {
        let t = try TestData.vocab("gpt-2")
        XCTAssertEqual(t.eosTokenId, 50256)
        XCTAssertEqual(t.tokenText(50256), "<|endoftext|>")
        XCTAssertTrue(t.isSpecial(50256))
        XCTAssertFalse(t.isSpecial(t.encode("hi", addSpecialTokens: false)[0]))
    }
}
