import Foundation
import Tokenizer
import XCTest

/// Encoding a long prompt takes milliseconds: the server tokenizes every request.
final class EncodeSpeedTests: XCTestCase {
    private func measureEncode(_ t: Tokenizer, _ text: String) -> (tokens: Int, seconds: Double) {
        _ = t.encode(text) // first use builds the character table
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = t.encode(text)
        return (ids.count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    func testLongGoldenPromptRepeatedTwentyTimesEncodesQuickly() throws {
        let t = try TestData.smolLM2()
        let prompt = try XCTUnwrap(try TestData.golden("smollm2").cases.max { $0.token_ids.count < $1.token_ids.count }).prompt
        let text = String(repeating: prompt + "\n", count: 20)
        let (tokens, seconds) = measureEncode(t, text)
        print("encode speed: \(tokens) tokens in \(String(format: "%.2f", seconds * 1000)) ms (SmolLM2, golden prompt x20)")
        XCTAssertGreaterThan(tokens, 8000)
        // Generous for unoptimised debug builds; release builds take a few ms.
        XCTAssertLessThan(seconds, 1.0)
    }

    func testTextWithoutRepeatedWordsEncodesQuickly() throws {
        let t = try TestData.tinyLlama3()
        // Distinct numbers and mixed scripts defeat the per-call word cache.
        var text = ""
        for i in 0..<3000 { text += "item\(i * 7919) значение \(i)é; " }
        let (tokens, seconds) = measureEncode(t, text)
        print("encode speed: \(tokens) tokens in \(String(format: "%.2f", seconds * 1000)) ms (Llama 3, distinct words)")
        XCTAssertLessThan(seconds, 2.0)
    }

    func testVeryLongSingleWordDoesNotTakeQuadraticTime() throws {
        let t = try TestData.vocab("gpt-2")
        let text = String(repeating: "ab", count: 20_000) + String(repeating: " ", count: 20_000) + "x"
        let (_, seconds) = measureEncode(t, text)
        XCTAssertLessThan(seconds, 2.0)
        XCTAssertEqual(t.decode(t.encode(text)), text)
    }
}
