import Backends
import XCTest

/// Stop strings end a choice's text exactly where vLLM would, however the text
/// arrives in pieces.
final class StopStringMatcherTests: XCTestCase {
    /// Feeds the pieces and returns everything released and the stop that matched.
    private func run(_ pieces: [String], stops: [String], include: Bool = false) -> (String, String?) {
        var m = StopStringMatcher(stops: stops, includeStopString: include)
        var out = ""
        for piece in pieces {
            let (text, stop) = m.append(piece)
            out += text
            if let stop { return (out, stop) }
        }
        return (out + m.flush(), nil)
    }

    func testStopInsideOnePieceCutsBeforeIt() {
        let (text, stop) = run(["Hello.\nWorld"], stops: ["\n"])
        XCTAssertEqual(text, "Hello.")
        XCTAssertEqual(stop, "\n")
    }

    func testStopSplitAcrossPiecesIsHeldBackThenCut() {
        var m = StopStringMatcher(stops: ["END"], includeStopString: false)
        XCTAssertEqual(m.append("abc E").text, "abc ", "a possible start of the stop string is held back")
        XCTAssertEqual(m.append("N").text, "")
        let last = m.append("D and more")
        XCTAssertEqual(last.text, "")
        XCTAssertEqual(last.stop, "END")
    }

    func testHeldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        var m = StopStringMatcher(stops: ["END"], includeStopString: false)
        XCTAssertEqual(m.append("x EN").text, "x ")
        XCTAssertEqual(m.append("Ough").text, "ENOugh")
    }

    func testIncludeStopStringKeepsIt() {
        let (text, stop) = run(["The answer", " is 4.", " Next"], stops: ["."], include: true)
        XCTAssertEqual(text, "The answer is 4.")
        XCTAssertEqual(stop, ".")
    }

    func testFirstStopInListOrderWins() {
        // vLLM checks stop strings in the order given.
        let (text, stop) = run(["a, b. c"], stops: [".", ","])
        XCTAssertEqual(stop, ".")
        XCTAssertEqual(text, "a, b")
    }

    func testNoStopsReleasesEverything() {
        let (text, stop) = run(["one ", "two"], stops: [])
        XCTAssertEqual(text, "one two")
        XCTAssertNil(stop)
    }

    func testFlushReturnsHeldBackTextAtTheEnd() {
        let (text, stop) = run(["ends with E"], stops: ["END"])
        XCTAssertEqual(text, "ends with E")
        XCTAssertNil(stop)
    }

    func testTextBeforeMinTokensIsNotSearched() {
        var m = StopStringMatcher(stops: ["x"], includeStopString: false)
        XCTAssertEqual(m.append("axb", checking: false).text, "axb")
        let after = m.append("cxd")
        XCTAssertEqual(after.text, "c")
        XCTAssertEqual(after.stop, "x")
    }

    func testMultiByteCharactersAreNeverSplit() {
        let (text, stop) = run(["日本", "語のテ", "キスト"], stops: ["のテ"])
        XCTAssertEqual(text, "日本語")
        XCTAssertEqual(stop, "のテ")
    }
}
