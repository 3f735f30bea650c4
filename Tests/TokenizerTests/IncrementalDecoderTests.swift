import Tokenizer
import XCTest

/// Streaming decode never emits part of a character and adds up to `decode`.
final class IncrementalDecoderTests: XCTestCase {
    private func stream(_ t: Tokenizer, _ ids: [Int], skipSpecialTokens: Bool = false) -> [String] {
        var d = IncrementalDecoder(tokenizer: t, skipSpecialTokens: skipSpecialTokens)
        var out = ids.map { d.append($0) }
        out.append(d.flush())
        return out
    }

    func testEmojiSplitAcrossByteTokensIsEmittedOnceAndWhole() throws {
        let t = try TestData.vocab("llama-spm")
        let ids = t.encode("🦙!", addSpecialTokens: false)
        let byteTokens = ids.filter { t.tokenBytes($0).count == 1 && t.tokenBytes($0)[0] >= 0x80 }
        XCTAssertEqual(byteTokens.count, 4, "the emoji should be written as four byte-fallback tokens")
        let parts = stream(t, ids)
        XCTAssertEqual(parts.joined(), "🦙!")
        XCTAssertEqual(parts.filter { $0.contains("🦙") }.count, 1)
        XCTAssertFalse(parts.joined().contains("\u{FFFD}"))
        for part in parts where !part.isEmpty {
            XCTAssertTrue(part == "🦙" || part == "!" || part == "🦙!", "unexpected partial output \(part.debugDescription)")
        }
    }

    func testByteLevelEmojiIsHeldBackUntilComplete() throws {
        let t = try TestData.vocab("gpt-2")
        let ids = t.encode("I ❤️ 🦙", addSpecialTokens: false)
        let parts = stream(t, ids)
        XCTAssertEqual(parts.joined(), "I ❤️ 🦙")
        XCTAssertFalse(parts.contains { $0.contains("\u{FFFD}") })
    }

    func testStreamedPiecesConcatenateToWholeDecode() throws {
        let t = try TestData.smolLM2()
        for c in try TestData.golden("smollm2").cases {
            XCTAssertEqual(stream(t, c.token_ids).joined(), t.decode(c.token_ids))
            XCTAssertEqual(stream(t, c.token_ids, skipSpecialTokens: true).joined(), t.decode(c.token_ids, skipSpecialTokens: true))
        }
        let spm = try TestData.vocab("llama-spm")
        let ids = spm.encode(" Hello  wörld 🦙", addSpecialTokens: true)
        XCTAssertEqual(stream(spm, ids).joined(), spm.decode(ids))
        XCTAssertEqual(stream(spm, ids, skipSpecialTokens: true).joined(), " Hello  wörld 🦙")
    }

    func testFlushTurnsAnUnfinishedCharacterIntoOneReplacementCharacter() throws {
        let t = try TestData.vocab("llama-spm")
        let ids = t.encode("🦙", addSpecialTokens: false).filter { t.tokenBytes($0).count == 1 && t.tokenBytes($0)[0] >= 0x80 }
        XCTAssertEqual(ids.count, 4)
        var d = IncrementalDecoder(tokenizer: t)
        XCTAssertEqual(d.append(ids[0]), "")
        XCTAssertEqual(d.append(ids[1]), "")
        XCTAssertEqual(d.flush(), "\u{FFFD}")
        XCTAssertEqual(d.flush(), "")
    }

    func testContinuationKeepsTheLeadingSpaceOfTheFirstToken() throws {
        let t = try TestData.vocab("llama-spm")
        let ids = t.encode("Hello world", addSpecialTokens: false)
        var d = IncrementalDecoder(tokenizer: t, continuesText: true)
        XCTAssertEqual(d.append(ids.last!), " world")
        var fresh = IncrementalDecoder(tokenizer: t)
        XCTAssertEqual(fresh.append(ids.last!), "world")
    }
}
