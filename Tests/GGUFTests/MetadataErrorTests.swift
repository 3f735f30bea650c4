import Foundation
import XCTest
@testable import GGUF

/// Malformed metadata: bad types, impossible lengths, duplicates, deep nesting,
/// unusable alignments.
final class MetadataErrorTests: GGUFTestCase {
    private func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A file with `value` under `key`, plus a following key so the value is not
    /// simply cut off by the end of the file.
    private func file(_ key: String, _ value: BValue) -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", .string("llama"))
        b.add(key, value)
        b.add("after", .uint32(7))
        return b
    }

    func testUnknownValueType() {
        for type: UInt32 in [13, 99, UInt32.max] {
            let e = parseError(file("weird.key", .raw(type: type, payload: [1, 2, 3, 4])))
            XCTAssertEqual(e, .unknownValueType(type, key: "weird.key"))
            assertMentions(e, ["weird.key", "unknown value type \(type)"])
        }
    }

    func testUnknownArrayElementType() {
        let e = parseError(file("arr", .rawArray(elementType: 42, count: 1, payload: [0, 0, 0, 0])))
        XCTAssertEqual(e, .unknownValueType(42, key: "arr"))
        assertMentions(e, ["\"arr\"", "42"])
    }

    func testAbsurdArrayLength() {
        for count: UInt64 in [1 << 62, UInt64.max] {
            let e = parseError(file("tokenizer.ggml.tokens", .rawArray(elementType: 8, count: count, payload: [])))
            guard case .absurdCount(let what, let c, let limit)? = e else { XCTFail("got \(String(describing: e))"); continue }
            XCTAssertEqual(c, count)
            XCTAssertTrue(what.contains("tokenizer.ggml.tokens"), what)
            XCTAssertLessThan(limit, 100, "limit is what the rest of the file could hold")
            assertMentions(e, ["\(count)", "tokenizer.ggml.tokens", "corrupt"])
        }
    }

    func testAbsurdNestedArrayLength() {
        // The outer array is fine; its one element claims 2^62 uint64s.
        let inner = [UInt8]([10, 0, 0, 0]) + u64(1 << 62)
        let e = parseError(file("nested", .rawArray(elementType: 9, count: 1, payload: inner)))
        guard case .absurdCount(_, let c, _)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(c, 1 << 62)
    }

    func testArrayLongerThanTheFileHolds() {
        // Fixed-size elements: the count check alone catches a short array.
        var b = GGUFBuilder()
        b.add("arr", .rawArray(elementType: 4, count: 1000, payload: [UInt8](repeating: 0, count: 3996)))
        b.padEnd = false
        let e = parseError(b)
        XCTAssertEqual(e, .absurdCount(what: "elements in \"arr\"", count: 1000, limit: 999))
        assertMentions(e, ["1000 elements in \"arr\"", "999"])
        // Strings: 1000 claimed, 900 present, enough bytes to pass the count check;
        // reading runs off the end.
        var strings = GGUFBuilder()
        var payload: [UInt8] = []
        for _ in 0..<900 { payload += u64(1) + [0x61] }
        strings.add("arr", .rawArray(elementType: 8, count: 1000, payload: payload))
        strings.padEnd = false
        let e2 = parseError(strings)
        guard case .truncated(_, let needed, let size, let reading)? = e2 else { return XCTFail("got \(String(describing: e2))") }
        XCTAssertEqual(needed, 8)
        XCTAssertEqual(size, strings.build().bytes.count)
        XCTAssertTrue(reading.contains("arr"), reading)
        assertMentions(e2, ["truncated", "\"arr\"", "\(size) bytes"])
    }

    func testAbsurdStringLength() {
        for length: UInt64 in [1 << 63, UInt64.max, 1 << 40] {
            let e = parseError(file("general.name", .raw(type: 8, payload: u64(length))))
            guard case .truncated(_, let needed, _, let reading)? = e else { XCTFail("got \(String(describing: e))"); continue }
            XCTAssertEqual(needed, Int(clamping: length))
            XCTAssertTrue(reading.contains("general.name"), reading)
            assertMentions(e, ["truncated", "general.name"])
        }
    }

    func testAbsurdStringLengthInsideArray() {
        let e = parseError(file("tokens", .rawArray(elementType: 8, count: 2, payload: u64(1) + [0x41] + u64(1 << 63))))
        guard case .truncated(_, _, _, let reading)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertTrue(reading.contains("tokens"), reading)
    }

    func testAbsurdKeyLength() {
        var b = GGUFBuilder()
        b.add("k", .uint8(1))
        var bytes = b.build().bytes
        // Overwrite the key's length prefix (right after the 24-byte header).
        bytes.replaceSubrange(24..<32, with: u64(1 << 63))
        let e = parseError(bytes)
        guard case .truncated(_, _, _, let reading)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(reading, "a metadata key")
        assertMentions(e, ["truncated", "metadata key"])
    }

    func testInvalidUTF8Key() {
        var b = GGUFBuilder()
        b.add("good", .uint8(1))
        b.add(rawKey: [0x67, 0xC3, 0x28], .uint8(2))
        let e = parseError(b)
        // Header 24 + "good" entry (8 + 4 + 4 + 1) = 41.
        XCTAssertEqual(e, .invalidString(offset: 41))
        assertMentions(e, ["offset 41", "UTF-8"])
    }

    func testDuplicateKey() {
        var b = GGUFBuilder()
        b.add("llama.block_count", .uint32(3))
        b.add("general.name", .string("x"))
        b.add("llama.block_count", .uint32(4))
        let e = parseError(b)
        XCTAssertEqual(e, .duplicateKey("llama.block_count"))
        assertMentions(e, ["\"llama.block_count\"", "twice"])
    }

    func testDuplicateKeyWithDifferentType() {
        var b = GGUFBuilder()
        b.add("k", .uint32(3))
        b.add("k", .string("three"))
        XCTAssertEqual(parseError(b), .duplicateKey("k"))
    }

    func testNestingDeeperThanTheLimit() {
        var value = BValue.array(elementType: 0, [.uint8(42)])
        for _ in 0..<GGUFFile.maxArrayDepth { value = .array(elementType: 9, [value]) }
        let e = parseError(file("deep", value))
        let limit = UInt64(GGUFFile.maxArrayDepth)
        XCTAssertEqual(e, .absurdCount(what: "levels of nested arrays in \"deep\"", count: limit + 1, limit: limit))
        assertMentions(e, ["nested arrays", "deep", "\(limit + 1)"])
    }

    func testVeryDeepNestingDoesNotRecurseWithoutBound() {
        // 100,000 nested array headers: refused at the limit, no stack overflow.
        var payload: [UInt8] = []
        for _ in 0..<100_000 { payload += [9, 0, 0, 0] + u64(1) }
        let e = parseError(file("abyss", .rawArray(elementType: 9, count: 1, payload: payload)))
        guard case .absurdCount(let what, _, _)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertTrue(what.contains("nested"), what)
    }

    func testAlignmentZeroAndThree() {
        for a: UInt32 in [0, 3, 48, 33] {
            var b = GGUFBuilder()
            b.setAlignment(a)
            b.add(BTensor("t", dims: [8], type: .f32))
            let e = parseError(b)
            XCTAssertEqual(e, .badAlignment(.uint32(a)), "alignment \(a)")
            assertMentions(e, ["general.alignment", "\(a)", "power of two"])
        }
    }

    func testAlignmentTooLarge() {
        var b = GGUFBuilder()
        b.add("general.alignment", .uint64(1 << 40))
        let e = parseError(b)
        XCTAssertEqual(e, .badAlignment(.uint64(1 << 40)))
        assertMentions(e, ["\(UInt64(1) << 40)", "1073741824"])
    }

    func testNegativeAlignment() {
        // A negative alignment used to trap converting it to UInt64.
        for (value, shown) in [(BValue.int32(-32), "-32"), (.int8(-1), "-1"), (.int64(Int64.min), "\(Int64.min)")] {
            var b = GGUFBuilder()
            b.add("general.alignment", value)
            let e = parseError(b)
            XCTAssertEqual(e, .badAlignment(value.expected))
            assertMentions(e, ["general.alignment is \(shown)", "power of two"])
        }
    }

    func testAlignmentOfTheWrongType() {
        let cases: [(BValue, String)] = [
            (.string("32"), "the string \"32\""), (.float32(32), "the float 32.0"), (.bool(true), "the bool true"),
            (.uint64(UInt64.max), "\(UInt64.max)"), (.int32s([32]), "an array of 1 values"),
        ]
        for (value, shown) in cases {
            var b = GGUFBuilder()
            b.add("general.alignment", value)
            let e = parseError(b)
            XCTAssertEqual(e, .badAlignment(value.expected))
            assertMentions(e, ["general.alignment is \(shown)"])
        }
    }
}
