import XCTest
@testable import GGUF

/// Metadata written by the test builder reads back exactly, in order, through
/// every accessor.
final class MetadataRoundTripTests: GGUFTestCase {
    /// One value of every scalar type, at the edges of its range where that matters.
    static let scalars: [(String, BValue)] = [
        ("t.uint8", .uint8(255)),
        ("t.int8", .int8(-128)),
        ("t.uint16", .uint16(65535)),
        ("t.int16", .int16(-32768)),
        ("t.uint32", .uint32(4_000_000_000)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.uint64", .uint64(UInt64(Int.max))),
        ("t.int64", .int64(Int64.min)),
        ("t.float32", .float32(1.5e-5)),
        ("t.float64", .float64(-3.141592653589793)),
        ("t.bool.true", .bool(true)),
        ("t.bool.false", .bool(false)),
        ("t.string", .string("héllo, wörld ✓ 🦙")),
        ("t.string.empty", .string("")),
    ]

    /// An array of each element type, an empty array and arrays of arrays.
    static let arrays: [(String, BValue)] = [
        ("a.uint8", .array(elementType: 0, [.uint8(0), .uint8(7), .uint8(255)])),
        ("a.int8", .array(elementType: 1, [.int8(-1), .int8(127)])),
        ("a.uint16", .array(elementType: 2, [.uint16(1), .uint16(65535)])),
        ("a.int16", .array(elementType: 3, [.int16(-2), .int16(300)])),
        ("a.uint32", .array(elementType: 4, [.uint32(3), .uint32(70000)])),
        ("a.int32", .int32s([-5, 0, 5, Int32.max])),
        ("a.float32", .float32s([0.25, -1, 1e10])),
        ("a.bool", .array(elementType: 7, [.bool(true), .bool(false), .bool(true)])),
        ("a.string", .strings(["a", "", "Ġthe", "日本"])),
        ("a.uint64", .array(elementType: 10, [.uint64(0), .uint64(1 << 40)])),
        ("a.int64", .array(elementType: 11, [.int64(-1 << 40), .int64(9)])),
        ("a.float64", .array(elementType: 12, [.float64(0.1), .float64(-2e300)])),
        ("a.empty", .array(elementType: 4, [])),
        ("a.nested", .array(elementType: 9, [
            .int32s([1, 2]),
            .strings(["x", "y", "z"]),
            .array(elementType: 9, [.float32s([0.5])]),
            .array(elementType: 0, []),
        ])),
    ]

    private func roundTrip(version: UInt32) throws {
        var b = GGUFBuilder(version: version)
        for (k, v) in Self.scalars + Self.arrays { b.add(k, v) }
        let g = try parse(b)
        XCTAssertEqual(g.version, version)
        XCTAssertEqual(g.metadata.keys, (Self.scalars + Self.arrays).map(\.0), "keys keep file order")
        XCTAssertEqual(g.metadata.values.count, Self.scalars.count + Self.arrays.count)
        for (k, v) in Self.scalars + Self.arrays {
            XCTAssertEqual(g.metadata[k], v.expected, k)
        }
        XCTAssertTrue(g.tensors.isEmpty)
        XCTAssertEqual(g.alignment, 32)
    }

    func testEveryValueTypeRoundTripsVersion3() throws { try roundTrip(version: 3) }
    func testEveryValueTypeRoundTripsVersion2() throws { try roundTrip(version: 2) }

    func testKeyOrderIsFileOrderNotSorted() throws {
        var b = GGUFBuilder()
        let keys = ["zeta", "alpha", "m.k", "general.name", "b"]
        for (i, k) in keys.enumerated() { b.add(k, .uint32(UInt32(i))) }
        let g = try parse(b)
        XCTAssertEqual(g.metadata.keys, keys)
        for (i, k) in keys.enumerated() { XCTAssertEqual(g.metadata.int(k), i) }
    }

    func testIntAccessor() throws {
        var b = GGUFBuilder()
        for (k, v) in Self.scalars { b.add(k, v) }
        b.add("u64.big", .uint64(UInt64(Int.max) + 1))
        let m = try parse(b).metadata
        XCTAssertEqual(m.int("t.uint8"), 255)
        XCTAssertEqual(m.int("t.int8"), -128)
        XCTAssertEqual(m.int("t.uint16"), 65535)
        XCTAssertEqual(m.int("t.int16"), -32768)
        XCTAssertEqual(m.int("t.uint32"), 4_000_000_000)
        XCTAssertEqual(m.int("t.int32"), -2_000_000_000)
        XCTAssertEqual(m.int("t.uint64"), Int.max)
        XCTAssertEqual(m.int("t.int64"), Int(Int64.min))
        XCTAssertNil(m.int("u64.big"), "a uint64 past Int.max is not an Int")
        // Wrong types answer nil.
        XCTAssertNil(m.int("t.float32"))
        XCTAssertNil(m.int("t.float64"))
        XCTAssertNil(m.int("t.bool.true"))
        XCTAssertNil(m.int("t.string"))
        XCTAssertNil(m.int("missing"))
    }

    func testDoubleAndFloatAccessors() throws {
        var b = GGUFBuilder()
        for (k, v) in Self.scalars { b.add(k, v) }
        let m = try parse(b).metadata
        XCTAssertEqual(m.double("t.float64"), -3.141592653589793)
        XCTAssertEqual(m.double("t.float32"), Double(Float(1.5e-5)))
        XCTAssertEqual(m.float("t.float32"), 1.5e-5)
        XCTAssertEqual(m.float("t.float64"), Float(-3.141592653589793))
        // Integers convert.
        XCTAssertEqual(m.double("t.int32"), -2_000_000_000)
        XCTAssertEqual(m.float("t.uint8"), 255)
        // Wrong types answer nil.
        XCTAssertNil(m.double("t.string"))
        XCTAssertNil(m.double("t.bool.false"))
        XCTAssertNil(m.float("t.string"))
        XCTAssertNil(m.float("missing"))
    }

    func testBoolAndStringAccessors() throws {
        var b = GGUFBuilder()
        for (k, v) in Self.scalars + Self.arrays { b.add(k, v) }
        let m = try parse(b).metadata
        XCTAssertEqual(m.bool("t.bool.true"), true)
        XCTAssertEqual(m.bool("t.bool.false"), false)
        XCTAssertNil(m.bool("t.uint8"), "a uint8 is not a bool")
        XCTAssertNil(m.bool("t.string"))
        XCTAssertEqual(m.string("t.string"), "héllo, wörld ✓ 🦙")
        XCTAssertEqual(m.string("t.string.empty"), "")
        XCTAssertNil(m.string("t.uint32"))
        XCTAssertNil(m.string("a.string"), "an array of strings is not a string")
        XCTAssertNil(m.string("missing"))
    }

    func testArrayAccessors() throws {
        var b = GGUFBuilder()
        for (k, v) in Self.arrays { b.add(k, v) }
        b.add("mixed.ints.floats", .array(elementType: 9, [.int32s([1]), .float32s([2])]))
        b.add("scalar", .uint32(3))
        let m = try parse(b).metadata
        XCTAssertEqual(m.strings("a.string"), ["a", "", "Ġthe", "日本"])
        XCTAssertEqual(m.ints("a.int32"), [-5, 0, 5, Int(Int32.max)])
        XCTAssertEqual(m.ints("a.uint8"), [0, 7, 255])
        XCTAssertEqual(m.ints("a.int64"), [-1 << 40, 9])
        XCTAssertEqual(m.floats("a.float32"), [0.25, -1, 1e10])
        XCTAssertEqual(m.floats("a.float64"), [Float(0.1), Float(-2e300)])
        XCTAssertEqual(m.floats("a.int32"), [-5, 0, 5, Float(Int32.max)], "integers convert to floats")
        XCTAssertEqual(m.ints("a.empty"), [])
        XCTAssertEqual(m.strings("a.empty"), [], "an empty array is an empty array of anything")
        XCTAssertEqual(m["a.nested"]?.array?.count, 4)
        XCTAssertEqual(m["a.nested"]?.array?[1], .array([.string("x"), .string("y"), .string("z")]))
        XCTAssertEqual(m["a.nested"]?.array?[2], .array([.array([.float32(0.5)])]))
        // Wrong types answer nil.
        XCTAssertNil(m.strings("a.int32"))
        XCTAssertNil(m.ints("a.string"))
        XCTAssertNil(m.ints("a.float32"), "floats are not ints")
        XCTAssertNil(m.ints("a.bool"))
        XCTAssertNil(m.floats("a.string"))
        XCTAssertNil(m.floats("a.bool"))
        XCTAssertNil(m.strings("a.nested"))
        XCTAssertNil(m.ints("a.nested"))
        XCTAssertNil(m.strings("scalar"))
        XCTAssertNil(m.ints("scalar"))
        XCTAssertNil(m.floats("scalar"))
        XCTAssertNil(m.ints("missing"))
        XCTAssertNil(m.strings("missing"))
        XCTAssertNil(m.floats("missing"))
    }

    func testValueAccessors() {
        XCTAssertEqual(GGUFValue.uint64(UInt64.max).int, nil)
        XCTAssertEqual(GGUFValue.int64(-7).int, -7)
        XCTAssertEqual(GGUFValue.bool(true).bool, true)
        XCTAssertNil(GGUFValue.string("1").int)
        XCTAssertNil(GGUFValue.array([]).string)
        XCTAssertEqual(GGUFValue.array([.uint8(1)]).array, [.uint8(1)])
        XCTAssertNil(GGUFValue.uint8(1).array)
    }

    func testInvalidUTF8InStringValueIsRepaired() throws {
        var b = GGUFBuilder()
        b.add("bad", .bytesString([0x61, 0xFF, 0x62]))
        b.add("after", .uint8(1))
        let m = try parse(b).metadata
        XCTAssertEqual(m.string("bad"), "a\u{FFFD}b")
        XCTAssertEqual(m.int("after"), 1, "reading continues after the repaired string")
    }

    func testNestingUpToTheLimitParses() throws {
        var value = BValue.array(elementType: 0, [.uint8(42)])
        for _ in 1..<GGUFFile.maxArrayDepth { value = .array(elementType: 9, [value]) }
        var b = GGUFBuilder()
        b.add("deep", value)
        b.add("after", .uint8(1))
        let m = try parse(b).metadata
        var v = m["deep"]
        var depth = 0
        while let items = v?.array { depth += 1; v = items.first }
        XCTAssertEqual(depth, GGUFFile.maxArrayDepth)
        XCTAssertEqual(v, .uint8(42))
        XCTAssertEqual(m.int("after"), 1)
    }

    func testLargeStringArray() throws {
        let tokens = (0..<5000).map { "tok\($0)" }
        var b = GGUFBuilder()
        b.add("tokenizer.ggml.tokens", .strings(tokens))
        let m = try parse(b).metadata
        XCTAssertEqual(m.strings("tokenizer.ggml.tokens"), tokens)
    }
}
