@testable import Tokenizer
import XCTest

/// The hand-written splitters against what each pre-tokenizer's regex does.
final class PreTokenizerTests: XCTestCase {
    private func pieces(_ name: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        guard let pre = PreTokenizer(name: name) else {
            XCTFail("pre-tokenizer \(name) not supported", file: file, line: line)
            return []
        }
        let scalars = text.unicodeScalars.map(\.value)
        var out: [Range<Int>] = []
        scalars.withUnsafeBufferPointer { pre.split($0, 0..<scalars.count, into: &out) }
        return out.map { r in
            var s = ""
            for i in r { s.unicodeScalars.append(Unicode.Scalar(scalars[i])!) }
            return s
        }
    }

    func testWhitespaceRunGivesItsLastSpaceToTheFollowingWord() {
        XCTAssertEqual(pieces("gpt-2", "Hello   world"), ["Hello", "  ", " world"])
        XCTAssertEqual(pieces("llama-bpe", "Hello   world"), ["Hello", "  ", " world"])
    }

    func testTrailingWhitespaceRunStaysWhole() {
        XCTAssertEqual(pieces("gpt-2", "a   "), ["a", "   "])
        XCTAssertEqual(pieces("llama-bpe", "a \t "), ["a", " \t "])
    }

    func testSingleNonSpaceWhitespaceBeforeAWordStandsAlone() {
        XCTAssertEqual(pieces("gpt-2", "a\tb"), ["a", "\t", "b"])
        // Llama 3's [^\r\n\p{L}\p{N}]?\p{L}+ takes the tab into the word.
        XCTAssertEqual(pieces("llama-bpe", "a\tb"), ["a", "\tb"])
    }

    func testLlama3LetterRunTakesOnePrecedingPunctuationMark() {
        XCTAssertEqual(pieces("llama-bpe", "(hello)"), ["(hello", ")"])
        XCTAssertEqual(pieces("gpt-2", "(hello)"), ["(", "hello", ")"])
    }

    func testLlama3NewlinesEndAtTheLastNewlineOfAWhitespaceRun() {
        XCTAssertEqual(pieces("llama-bpe", "a \n\n  b"), ["a", " \n\n", " ", " b"])
        XCTAssertEqual(pieces("llama-bpe", "x.\n\ny"), ["x", ".\n\n", "y"])
    }

    func testContractionsAreCaseSensitiveForGPT2AndNotForLlama3() {
        XCTAssertEqual(pieces("gpt-2", "don't DON'T"), ["don", "'t", " DON", "'", "T"])
        XCTAssertEqual(pieces("llama-bpe", "don't DON'T"), ["don", "'t", " DON", "'T"])
    }

    func testDigitGroupingPerPreTokenizer() {
        XCTAssertEqual(pieces("llama-bpe", "1234567"), ["123", "456", "7"])
        XCTAssertEqual(pieces("qwen2", "1234"), ["1", "2", "3", "4"])
        XCTAssertEqual(pieces("gpt-2", " 1234"), [" 1234"])
        // SmolLM and StarCoder isolate every digit before the GPT-2 split, so the
        // space before a number is left alone.
        XCTAssertEqual(pieces("smollm", "in 2024"), ["in", " ", "2", "0", "2", "4"])
        XCTAssertEqual(pieces("starcoder", "x1y"), ["x", "1", "y"])
    }

    func testNonLatinLettersAndNumbersUseUnicodeCategories() {
        XCTAssertEqual(pieces("gpt-2", "Привет мир ٣٤"), ["Привет", " мир", " ٣٤"])
        XCTAssertEqual(pieces("llama-bpe", "日本語です。"), ["日本語です", "。"])
    }

    func testDeepSeekLLMSplitsLettersPunctuationCJKAndDigits() {
        XCTAssertEqual(pieces("deepseek-llm", "Hello, 世界 123"), ["Hello", ",", " ", "世界", " ", "123"])
        XCTAssertEqual(pieces("deepseek-llm", "a\nb  "), ["a", "\n", "b", "  "])
    }

    func testUnknownPreTokenizerIsRejected() {
        XCTAssertNil(PreTokenizer(name: "no-such-pre"))
        XCTAssertNotNil(PreTokenizer(name: nil), "a missing tokenizer.ggml.pre means GPT-2's rules")
    }
}
