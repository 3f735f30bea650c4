import XCTest
@testable import GGUF

/// The tensor table, data layout and `data(of:)` for files the test builder writes.
final class TensorTableTests: GGUFTestCase {
    /// One tensor of each type, with ranks 1 to 4 and sizes that are not
    /// multiples of the alignment, so padding between tensors matters.
    static func sampleTensors() -> [BTensor] {
        [
            BTensor("norm", dims: [7], type: .f32),
            BTensor("half", dims: [3, 5], type: .f16),
            BTensor("bhalf", dims: [2, 3, 4], type: .bf16),
            BTensor("q8", dims: [64, 3], type: .q8_0),
            BTensor("q4", dims: [32, 2, 1, 3], type: .q4_0),
            BTensor("q41", dims: [32, 1], type: .q4_1),
            BTensor("q50", dims: [96], type: .q5_0),
            BTensor("q51", dims: [32, 2], type: .q5_1),
            BTensor("q4k", dims: [256, 2], type: .q4_K),
            BTensor("q5k", dims: [512], type: .q5_K),
            BTensor("q6k", dims: [256, 1, 3], type: .q6_K),
            BTensor("i8", dims: [5], type: .i8),
            BTensor("i64", dims: [3], type: .i64),
            BTensor("f64", dims: [1, 1, 1, 1], type: .f64),
        ]
    }

    /// Bytes of each sample tensor, worked out by hand from ggml's block sizes.
    static let expectedBytes: [String: Int] = [
        "norm": 28, "half": 30, "bhalf": 48, "q8": 6 * 34, "q4": 6 * 18, "q41": 20,
        "q50": 3 * 22, "q51": 2 * 24, "q4k": 2 * 144, "q5k": 2 * 176, "q6k": 3 * 210,
        "i8": 5, "i64": 24, "f64": 8,
    ]

    private func checkLayout(version: UInt32, alignment: UInt32?) throws {
        var b = GGUFBuilder(version: version)
        b.add("general.architecture", .string("llama"))
        if let alignment { b.setAlignment(alignment) }
        let tensors = Self.sampleTensors()
        for t in tensors { b.add(t) }
        let out = b.build()
        let g = try parse(out.bytes)
        let a = Int(alignment ?? 32)

        XCTAssertEqual(g.version, version)
        XCTAssertEqual(g.alignment, a)
        XCTAssertEqual(g.dataOffset, out.dataOffset)
        XCTAssertEqual(g.dataOffset % a, 0)
        XCTAssertEqual(g.fileSize, out.bytes.count)
        XCTAssertEqual(g.tensors.count, tensors.count)
        for (i, (info, t)) in zip(g.tensors, tensors).enumerated() {
            let name = String(decoding: t.name, as: UTF8.self)
            XCTAssertEqual(info.name, name)
            XCTAssertEqual(info.dimensions, t.dims.map { Int($0) }, name)
            XCTAssertEqual(info.type.rawValue, t.typeCode, name)
            XCTAssertEqual(info.fileOffset, out.tensorFileOffsets[i], name)
            XCTAssertEqual(info.fileOffset % a, 0, "\(name) is aligned to \(a)")
            XCTAssertEqual(info.byteCount, Self.expectedBytes[name], name)
            XCTAssertEqual(info.elementCount, Int(t.dims.reduce(1, *)), name)
            XCTAssertEqual(Array(g.data(of: info)), t.data, "data(of: \(name)) is exactly the bytes written")
            XCTAssertEqual(g.tensor(named: name), info)
        }
        XCTAssertNil(g.tensor(named: "absent"))
    }

    func testLayoutVersion3DefaultAlignment() throws { try checkLayout(version: 3, alignment: nil) }
    func testLayoutVersion2DefaultAlignment() throws { try checkLayout(version: 2, alignment: nil) }
    func testLayoutAlignment64() throws { try checkLayout(version: 3, alignment: 64) }
    func testLayoutAlignment1() throws { try checkLayout(version: 3, alignment: 1) }
    func testLayoutAlignment256Version2() throws { try checkLayout(version: 2, alignment: 256) }
    func testExplicitAlignment32() throws { try checkLayout(version: 3, alignment: 32) }

    func testAlignment64OffsetsAreNot32Aligned() throws {
        // With alignment 64 a 32-byte first tensor pushes the second to 64, not 32.
        var b = GGUFBuilder()
        b.setAlignment(64)
        b.add(BTensor("a", dims: [8], type: .f32))
        b.add(BTensor("b", dims: [8], type: .f32))
        let out = b.build()
        let g = try parse(out.bytes)
        XCTAssertEqual(g.tensors[1].fileOffset - g.tensors[0].fileOffset, 64)
        XCTAssertEqual(Array(g.data(of: g.tensors[1])), b.tensors[1].data)
    }

    func testAlignmentAsOtherIntegerTypes() throws {
        for value: BValue in [.uint64(64), .int32(64), .uint16(64), .uint8(64)] {
            var b = GGUFBuilder()
            b.alignment = 64
            b.add("general.alignment", value)
            b.add(BTensor("x", dims: [3], type: .f32))
            b.add(BTensor("y", dims: [3], type: .f32))
            let g = try parse(b)
            XCTAssertEqual(g.alignment, 64)
            XCTAssertEqual(g.tensors[1].fileOffset % 64, 0)
        }
    }

    func testRowGeometry() throws {
        var b = GGUFBuilder()
        b.add(BTensor("vec", dims: [64], type: .f32))
        b.add(BTensor("mat", dims: [64, 10], type: .q8_0))
        b.add(BTensor("k", dims: [512, 3], type: .q4_K))
        b.add(BTensor("cube", dims: [32, 4, 5], type: .q4_1))
        b.add(BTensor("hyper", dims: [2, 3, 4, 5], type: .f16))
        let g = try parse(b)
        let vec = try XCTUnwrap(g.tensor(named: "vec"))
        XCTAssertEqual([vec.rowLength, vec.rowCount, vec.rowBytes, vec.byteCount], [64, 1, 256, 256])
        let mat = try XCTUnwrap(g.tensor(named: "mat"))
        XCTAssertEqual([mat.rowLength, mat.rowCount, mat.rowBytes, mat.byteCount], [64, 10, 68, 680])
        let k = try XCTUnwrap(g.tensor(named: "k"))
        XCTAssertEqual([k.rowLength, k.rowCount, k.rowBytes, k.byteCount], [512, 3, 288, 864])
        let cube = try XCTUnwrap(g.tensor(named: "cube"))
        XCTAssertEqual([cube.rowLength, cube.rowCount, cube.rowBytes, cube.byteCount], [32, 20, 20, 400])
        let hyper = try XCTUnwrap(g.tensor(named: "hyper"))
        XCTAssertEqual([hyper.rowLength, hyper.rowCount, hyper.rowBytes, hyper.byteCount], [2, 60, 4, 240])
        XCTAssertEqual(hyper.elementCount, 120)
    }

    func testNoTensorsAndNoMetadata() throws {
        let g = try parse(GGUFBuilder())
        XCTAssertTrue(g.tensors.isEmpty)
        XCTAssertTrue(g.metadata.keys.isEmpty)
        XCTAssertEqual(g.fileSize, 32, "24-byte header padded to 32")
    }

    func testHeaderOnlyFileWithoutPadding() throws {
        // No tensors, so the file may end right after the header.
        var b = GGUFBuilder()
        b.padEnd = false
        let out = b.build()
        XCTAssertEqual(out.bytes.count, 24)
        let g = try parse(out.bytes)
        XCTAssertTrue(g.tensors.isEmpty)
    }

    func testTensorsMayBeListedOutOfDataOrder() throws {
        // The table order need not match the data order; offsets decide.
        var b = GGUFBuilder()
        var first = BTensor("first", dims: [8], type: .f32)
        var second = BTensor("second", dims: [8], type: .f32)
        first.offsetOverride = 32
        second.offsetOverride = 0
        b.add(first)
        b.add(second)
        let out = b.build()
        let g = try parse(out.bytes)
        XCTAssertEqual(g.tensors[0].fileOffset, out.dataOffset + 32)
        XCTAssertEqual(g.tensors[1].fileOffset, out.dataOffset)
        XCTAssertEqual(Array(g.data(of: g.tensors[0])), second.data, "bytes at offset 32 are what the builder wrote second")
    }

    func testLastTensorEndingExactlyAtEndOfFile() throws {
        var b = GGUFBuilder()
        b.padEnd = false
        b.add(BTensor("a", dims: [5], type: .f32))
        b.add(BTensor("b", dims: [3], type: .f32))
        let out = b.build()
        let g = try parse(out.bytes)
        XCTAssertEqual(g.tensors[1].fileOffset + g.tensors[1].byteCount, out.bytes.count)
        XCTAssertEqual(Array(g.data(of: g.tensors[1])), b.tensors[1].data)
    }

    func testGGMLTypeSizes() {
        // ggml's block sizes and bytes per block, as ggml-common.h defines them.
        let expected: [GGMLType: (Int, Int)] = [
            .f32: (1, 4), .f16: (1, 2), .bf16: (1, 2), .f64: (1, 8),
            .i8: (1, 1), .i16: (1, 2), .i32: (1, 4), .i64: (1, 8),
            .q4_0: (32, 18), .q4_1: (32, 20), .q5_0: (32, 22), .q5_1: (32, 24),
            .q8_0: (32, 34), .q8_1: (32, 40),
            .q2_K: (256, 84), .q3_K: (256, 110), .q4_K: (256, 144), .q5_K: (256, 176),
            .q6_K: (256, 210), .q8_K: (256, 292),
        ]
        XCTAssertEqual(Set(expected.keys), Set(GGMLType.allCases))
        for (type, (block, bytes)) in expected {
            XCTAssertEqual(type.blockSize, block, "\(type)")
            XCTAssertEqual(type.blockBytes, bytes, "\(type)")
        }
        XCTAssertEqual(GGMLType.q4_0.byteCount(elements: 64), 36)
        XCTAssertNil(GGMLType.q4_0.byteCount(elements: 33))
        XCTAssertNil(GGMLType.f32.byteCount(elements: -1))
        XCTAssertNil(GGMLType.f64.byteCount(elements: Int.max), "overflow is nil")
        XCTAssertEqual(GGMLType(rawValue: 12), .q4_K)
        XCTAssertEqual(GGMLType(rawValue: 30), .bf16)
        XCTAssertNil(GGMLType(rawValue: 4), "ggml's removed Q4_2 is not a type")
        XCTAssertEqual(GGMLType.q4_K.description, "Q4_K")
    }
}
