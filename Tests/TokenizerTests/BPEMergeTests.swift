@testable import Tokenizer
import XCTest

/// Long pieces take the heap-based merge path; it must merge exactly as the
/// simple loop used for short pieces does.
final class BPEMergeTests: XCTestCase {
    func testHeapMergeAgreesWithSimpleLoop() throws {
        let t = try TestData.vocab("gpt-2")
        guard case .byteLevel(let merges, _) = t.model else { return XCTFail("gpt-2 is byte-level") }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aeinrst hlo".utf8) + Array("ß€".utf8)
        for _ in 0..<200 {
            let length = Int.random(in: 2...120, using: &rng)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            let symbols = bytes.map { t.byteTokens[Int($0)] }
            var short = symbols
            var long = symbols
            merges.applyShort(&short)
            merges.applyLong(&long)
            XCTAssertEqual(short, long, "piece \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }
}
