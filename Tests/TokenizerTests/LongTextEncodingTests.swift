import Foundation
import Tokenizer
import XCTest

/// Long inputs that stress the merge loop and the word cache still encode to
/// text that decodes back exactly. (Speed is for benchmarks, not tests.)
final class LongTextEncodingTests: XCTestCase {
    func testLongGoldenPromptRepeatedTwentyTimesRoundTrips() throws {
        let t = try TestData.smolLM2()
        let prompt = try XCTUnwrap(try TestData.golden("smollm2").cases.max { $0.token_ids.count < $1.token_ids.count }).prompt
        let text = String(repeating: prompt + "\n", count: 20)
        let ids = t.encode(text)
        XCTAssertGreaterThan(ids.count, 8000)
        XCTAssertEqual(t.decode(ids), text)
    }

    func testTextWithoutRepeatedWordsRoundTrips() throws {
        let t = try TestData.tinyLlama3()
        // Distinct numbers and mixed scripts defeat the per-call word cache.
        var text = ""
        for i in 0..<3000 { text += "item\(i * 7919) значение \(i)é; " }
        let ids = t.encode(text, addSpecialTokens: false)
        XCTAssertGreaterThan(ids.count, 20000)
        XCTAssertEqual(t.decode(ids), text)
    }

    func testVeryLongSingleWordAndWhitespaceRunRoundTrip() throws {
        let t = try TestData.vocab("gpt-2")
        let text = String(repeating: "ab", count: 20_000) + String(repeating: " ", count: 20_000) + "x"
        XCTAssertEqual(t.decode(t.encode(text)), text)
    }
}
