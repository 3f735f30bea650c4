@testable import API
import Backends
import Hummingbird
import JSONValue
import XCTest

/// Pieces of the API layer that need no model.
final class UnitTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(Secrets.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Secrets.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        XCTAssertEqual(Secrets.sha256Hex(long), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Secrets.sha256Hex(String(repeating: "a", count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        XCTAssertEqual(Secrets.sha256("abc").count, 32)
    }

    func testConstantTimeEqualityComparesWholeStrings() {
        XCTAssertTrue(Secrets.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Secrets.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Secrets.constantTimeEqual([1, 2, 3], [1, 2, 3, 0]))
        XCTAssertTrue(Secrets.constantTimeEqual([], []))
    }

    func testStaticKeysAcceptOnlyTheirKeys() async throws {
        let keys = StaticAPIKeys(keys: ["alpha", "beta"])
        let a = try await keys.authenticate(key: "alpha")
        let b = try await keys.authenticate(key: "beta")
        let c = try await keys.authenticate(key: "alph")
        XCTAssertEqual(a?.name, "key-1")
        XCTAssertEqual(b?.name, "key-2")
        XCTAssertNil(c)
    }

    func testJSONKeepsMemberOrderAndWritesLogprobs() {
        let json = JSON.object([("b", 1), ("a", .double(-0.5)), ("c", .logprob(-Float.infinity)), ("d", .double(2)), ("e", "x\n\"")])
        XCTAssertEqual(json.serialized, #"{"b":1,"a":-0.5,"c":-9999.0,"d":2.0,"e":"x\n\""}"#)
    }

    func testWrittenValuesArePassedOnAsTheirOwnPieces() {
        let written = JSON.writtenArray([1, 2, 3]) { .int($0 * 10) }
        let json = JSON.object([("a", .array([written, "x"])), ("b", written), ("c", nil)])
        XCTAssertEqual(json.serialized, #"{"a":[[10,20,30],"x"],"b":[10,20,30],"c":null}"#)
        let pieces = json.serializedPieces
        XCTAssertEqual(pieces.map { String(buffer: $0) }, [#"{"a":["#, "[10,20,30]", #","x"],"b":"#, "[10,20,30]", #","c":null}"#])
        XCTAssertEqual(JSON.writtenArray([Int]()) { .int($0) }.serialized, "[]")
    }

    func testStopStringMatcherHoldsBackPossibleStarts() {
        var m = StopStringMatcher(stops: ["STOP"], includeStopString: false)
        XCTAssertEqual(m.append("abc S").text, "abc ")
        XCTAssertEqual(m.append("T").text, "")
        let r = m.append("OP and more")
        XCTAssertEqual(r.text, "")
        XCTAssertEqual(r.stop, "STOP")

        var n = StopStringMatcher(stops: ["STOP"], includeStopString: false)
        XCTAssertEqual(n.append("ST").text, "")
        XCTAssertEqual(n.append("ay").text, "STay")
        XCTAssertEqual(n.append("S").text, "")
        XCTAssertEqual(n.flush(), "S")

        var inc = StopStringMatcher(stops: ["\n\n", "\n"], includeStopString: true)
        let hit = inc.append("one\n\ntwo")
        XCTAssertEqual(hit.text, "one\n\n", "stop strings are tried in the order given, as vLLM does")
        XCTAssertEqual(hit.stop, "\n\n")

        var late = StopStringMatcher(stops: ["x"], includeStopString: false)
        XCTAssertEqual(late.append("axb", checking: false).text, "axb", "text before min_tokens is not searched")
        XCTAssertEqual(late.append("cxd").stop, "x")
    }

    func testModelNames() {
        XCTAssertEqual(ModelNaming.defaultName(forPath: "models/SmolLM2-135M-Instruct.Q4_1.gguf"), "smollm2-135m-instruct")
        XCTAssertEqual(ModelNaming.defaultName(forPath: "/x/llama-3-8b-q8_0.gguf"), "llama-3-8b")
        XCTAssertEqual(ModelNaming.defaultName(forPath: "tiny-llama3.gguf"), "tiny-llama3")
        XCTAssertEqual(ModelNaming.nameAndPath("small=models/a.gguf").name, "small")
        XCTAssertEqual(ModelNaming.nameAndPath("models/a=b.gguf").name, "a=b")
    }
}

/// The `prompt_logprobs` entry format on its own: rank order, ties, the actual
/// token appended below the top-k, and -inf written as vLLM writes it.
final class PromptLogprobsFormatTests: XCTestCase {
    private func t(_ id: Int, _ text: String, _ logprob: Float) -> TokenLogprob { TokenLogprob(id: id, text: text, logprob: logprob) }

    func testActualTokenBelowTheTopKIsAppendedWithItsRank() {
        let s = ScoredToken(token: t(3575, " capital", -11.5), rank: 2923, top: [t(29, "-", -0.875), t(28, ",", -2.625)])
        XCTAssertEqual(promptLogprobs([nil, s], topK: 2).serialized,
                       #"[null,{"29":{"logprob":-0.875,"rank":1,"decoded_token":"-"},"28":{"logprob":-2.625,"rank":2,"decoded_token":","},"3575":{"logprob":-11.5,"rank":2923,"decoded_token":" capital"}}]"#)
    }

    func testActualTokenInsideTheTopKIsNotRepeated() {
        let s = ScoredToken(token: t(28, ",", -2.625), rank: 2, top: [t(29, "-", -0.875), t(28, ",", -2.625)])
        guard case .object(let members) = promptLogprobEntry(s, topK: 2) else { return XCTFail("an object") }
        XCTAssertEqual(members.map(\.0), ["29", "28"])
    }

    func testTiesShareTheRankOfTheFirst() {
        let s = ScoredToken(token: t(1, "a", -1), rank: 1, top: [t(1, "a", -1), t(2, "b", -1), t(3, "c", -2)])
        let entry = promptLogprobEntry(s, topK: 3)
        XCTAssertEqual(entry["2"]?["rank"], 1)
        XCTAssertEqual(entry["3"]?["rank"], 3)
    }

    func testImpossibleTokenIsWrittenAsMinus9999() {
        let s = ScoredToken(token: t(7, "x", -.infinity), rank: 50, top: [])
        XCTAssertEqual(promptLogprobs([s], topK: 0).serialized, #"[{"7":{"logprob":-9999.0,"rank":50,"decoded_token":"x"}}]"#)
    }
}
