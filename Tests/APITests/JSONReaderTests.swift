@testable import API
import JSONValue
import XCTest

/// The request-body reader: RFC 8259 JSON in UTF-8, no repeated key, bounded depth.
final class JSONReaderTests: XCTestCase {
    private func read(_ text: String) throws -> JSON { try JSONReader.read(Array(text.utf8)) }

    private func failure(_ bytes: [UInt8]) -> JSONReader.Failure? {
        do { _ = try JSONReader.read(bytes); return nil } catch { return error }
    }

    private func failure(_ text: String) -> JSONReader.Failure? { failure(Array(text.utf8)) }

    func testValuesAndMemberOrder() throws {
        XCTAssertEqual(try read(#" {"b": [1, -2.5, true, false, null], "a": "x\n\u00e9\ud83d\ude00\/"} "#),
                       .object([("b", .array([.int(1), .double(-2.5), .bool(true), .bool(false), .null])), ("a", .string("x\né😀/"))]))
        // Integral numbers read as integers, as Foundation's decoder read them.
        XCTAssertEqual(try read("[5, 5.0, 1e2, -0, 1.5, 123456789012345678901234]"),
                       .array([.int(5), .int(5), .int(100), .int(0), .double(1.5), .double(1.2345678901234568e23)]))
        XCTAssertEqual(try read(#"{}"#), .object([]))
        XCTAssertEqual(try read(#""plain""#), .string("plain"))
    }

    func testMalformedTextIsRefused() {
        for text in ["", "{", #"{"a" 1}"#, #"{"a": 1,}"#, "[1,]", "01", "1.", "-", "1e", "1e999", "tru", #""\x""#,
                     #""\ud800""#, #""\udc00x""#, "\"a\u{01}b\"", "[1] 2", "{'a': 1}", "NaN"] {
            let f = failure(text)
            XCTAssertNotNil(f, text)
            XCTAssert(f?.message.contains("not valid JSON") ?? false, "\(text): \(f?.message ?? "")")
            XCTAssertNil(f?.param, text)
        }
    }

    func testRepeatedKeysAreNamedByTheirPath() {
        XCTAssertEqual(failure(#"{"a": 1, "a": 2}"#)?.param, "a")
        XCTAssertEqual(failure(#"{"a": {"b": [0, {"c": 1, "c": 1}]}}"#)?.param, "a.b[1].c")
        XCTAssertEqual(failure(#"[{"x": 1}, {"x": 1, "x": 1}]"#)?.param, "[1].x")
        XCTAssertNil(failure(#"{"a": {"a": {"a": 1}}}"#))
    }

    func testEncodingsOtherThanUTF8AreRefused() {
        XCTAssert(failure([0xEF, 0xBB, 0xBF] + Array("{}".utf8))?.message.contains("byte-order mark") ?? false)
        XCTAssert(failure([0x7B, 0x00, 0x7D, 0x00])?.message.contains("UTF-16") ?? false)
        XCTAssert(failure([0x00, 0x00, 0x00, 0x5B, 0x00, 0x00, 0x00, 0x5D])?.message.contains("UTF-32") ?? false)
        XCTAssert(failure(Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))?.message.contains("UTF-8") ?? false)
    }

    func testNestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssert(failure(deep)?.message.contains("\(JSONReader.maxDepth) deep") ?? false)
        let fits = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        XCTAssertNil(failure(fits))
    }
}
