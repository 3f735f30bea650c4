import Tokenizer
import XCTest

/// Every case of llama.cpp's tokenizer test vectors (ids from each model's
/// Hugging Face tokenizer) must encode exactly.
final class VocabularyVectorTests: XCTestCase {
    private func checkAllCases(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tokenizer = try TestData.vocab(name, file: file, line: line)
        let cases = try TestData.vectorCases(name, file: file, line: line)
        XCTAssertFalse(cases.isEmpty, file: file, line: line)
        var failures = 0
        for (i, (text, expected)) in cases.enumerated() {
            let got = tokenizer.encode(text, addSpecialTokens: false)
            if got != expected {
                failures += 1
                XCTFail("\(name) case \(i) \(text.debugDescription): expected \(expected), got \(got)", file: file, line: line)
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(cases.count) cases differ", file: file, line: line)
    }

    func testGPT2VectorsEncodeExactly() throws { try checkAllCases("gpt-2") }
    func testLlama3BPEVectorsEncodeExactly() throws { try checkAllCases("llama-bpe") }
    func testQwen2VectorsEncodeExactly() throws { try checkAllCases("qwen2") }
    func testStarCoderVectorsEncodeExactly() throws { try checkAllCases("starcoder") }
    func testDeepSeekLLMVectorsEncodeExactly() throws { try checkAllCases("deepseek-llm") }
    func testLlamaSentencePieceVectorsEncodeExactly() throws { try checkAllCases("llama-spm") }
}
