import Foundation
import XCTest
@testable import GGUF

/// Malformed tensor table entries: shapes, types, offsets, duplicates.
final class TensorErrorTests: GGUFTestCase {
    /// A valid file with a good tensor, then `bad`, then another good tensor.
    private func file(with bad: BTensor, alignment: UInt32? = nil) -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", .string("llama"))
        if let alignment { b.setAlignment(alignment) }
        b.add(BTensor("good.before", dims: [32, 2], type: .q8_0))
        b.add(bad)
        b.add(BTensor("good.after", dims: [4], type: .f32))
        return b
    }

    func testOffsetPastTheEnd() {
        var bad = BTensor("blk.0.attn_q.weight", dims: [64, 64], type: .f16)
        bad.offsetOverride = 1 << 20
        let out = file(with: bad).build()
        let e = parseError(out.bytes)
        let end = out.dataOffset + (1 << 20) + 8192
        XCTAssertEqual(e, .tensorOutOfBounds(tensor: "blk.0.attn_q.weight", end: end, fileSize: out.bytes.count))
        assertMentions(e, ["blk.0.attn_q.weight", "\(end)", "\(out.bytes.count) bytes", "past the end"])
    }

    func testTensorRunningOneBytePastTheEnd() {
        var b = GGUFBuilder()
        b.padEnd = false
        b.add(BTensor("w", dims: [8], type: .f32))
        var bytes = b.build().bytes
        bytes.removeLast()
        let e = parseError(bytes)
        XCTAssertEqual(e, .tensorOutOfBounds(tensor: "w", end: bytes.count + 1, fileSize: bytes.count))
    }

    func testOffsetNearUInt64MaxDoesNotOverflow() {
        for offset: UInt64 in [UInt64.max - 31, UInt64(Int.max) - 31, UInt64(Int.max) + 1] {
            var bad = BTensor("huge.offset", dims: [8], type: .f32)
            bad.offsetOverride = offset
            let e = parseError(file(with: bad))
            guard case .tensorOutOfBounds(let name, _, _)? = e else { XCTFail("\(offset): got \(String(describing: e))"); continue }
            XCTAssertEqual(name, "huge.offset")
        }
    }

    func testMisalignedOffset() {
        var bad = BTensor("misaligned", dims: [8], type: .f32)
        bad.offsetOverride = 68
        let e = parseError(file(with: bad))
        XCTAssertEqual(e, .misalignedTensor(tensor: "misaligned", offset: 68, alignment: 32))
        assertMentions(e, ["misaligned", "68", "32"])
    }

    func testOffsetAlignedTo32ButNot64() {
        var bad = BTensor("half.aligned", dims: [8], type: .f32)
        bad.offsetOverride = 96
        let e = parseError(file(with: bad, alignment: 64))
        XCTAssertEqual(e, .misalignedTensor(tensor: "half.aligned", offset: 96, alignment: 64))
        assertMentions(e, ["half.aligned", "96", "64"])
    }

    func testUnknownTensorType() {
        // 4 and 5 are ggml's removed Q4_2/Q4_3; 39 is past the known types.
        for code: UInt32 in [4, 5, 39, UInt32.max] {
            let e = parseError(file(with: BTensor("odd.type", dims: [32], typeCode: code, data: [])))
            XCTAssertEqual(e, .unknownTensorType(code, tensor: "odd.type"))
            assertMentions(e, ["odd.type", "\(code)"])
        }
    }

    func testDimensionZero() {
        for dims: [UInt64] in [[0], [64, 0], [32, 1, 1, 0]] {
            let e = parseError(file(with: BTensor("empty", dims: dims, typeCode: 0, data: [])))
            XCTAssertEqual(e, .badDimensions(tensor: "empty", dimensions: dims))
            assertMentions(e, ["empty", "invalid dimensions"])
        }
    }

    func testRankZeroAndFive() {
        for dims: [UInt64] in [[], [1, 1, 1, 1, 1], [32, 2, 2, 2, 2]] {
            let e = parseError(file(with: BTensor("rank\(dims.count)", dims: dims, typeCode: 0, data: [])))
            guard case .badDimensions(let name, _)? = e else { XCTFail("rank \(dims.count): got \(String(describing: e))"); continue }
            XCTAssertEqual(name, "rank\(dims.count)")
            assertMentions(e, ["rank\(dims.count)", "invalid dimensions"])
        }
    }

    func testAbsurdRank() {
        var b = GGUFBuilder()
        b.add(BTensor("t", dims: [8], type: .f32))
        var bytes = b.build().bytes
        // The rank sits after the header (24) and the name (8 + 1).
        bytes.replaceSubrange(33..<37, with: [0xFF, 0xFF, 0xFF, 0xFF])
        guard case .badDimensions(let name, _)? = parseError(bytes) else { return XCTFail() }
        XCTAssertEqual(name, "t")
    }

    func testRowNotAMultipleOfTheBlock() {
        let cases: [(GGMLType, [UInt64])] = [(.q4_0, [33, 2]), (.q8_0, [16]), (.q4_K, [128, 4]), (.q6_K, [255]), (.q5_1, [1, 32])]
        for (type, dims) in cases {
            let e = parseError(file(with: BTensor("ragged", dims: dims, typeCode: type.rawValue, data: [])))
            XCTAssertEqual(e, .rowNotBlockAligned(tensor: "ragged", rowLength: Int(dims[0]), type: type), "\(type) \(dims)")
            assertMentions(e, ["ragged", "\(dims[0]) elements", "\(type)", "\(type.blockSize)"])
        }
    }

    func testBlockAlignmentIsPerRowNotPerTensor() {
        // 16 x 2 = 32 elements would be one Q4_0 block, but each row of 16 is not.
        let e = parseError(file(with: BTensor("rows.of.16", dims: [16, 2], typeCode: GGMLType.q4_0.rawValue, data: [])))
        XCTAssertEqual(e, .rowNotBlockAligned(tensor: "rows.of.16", rowLength: 16, type: .q4_0))
    }

    func testDimensionProductOverflow() {
        let cases: [[UInt64]] = [
            [1 << 39, 1 << 39],                 // each fine, product 2^78
            [1 << 32, 1 << 32, 1 << 32, 1 << 32],
            [65536, 65536, 65536, 65536],       // 2^64 wraps to 0 in UInt64
            [UInt64.max],
            [1 << 63, 2],
            [32, UInt64(Int.max)],
        ]
        for dims in cases {
            let e = parseError(file(with: BTensor("overflow", dims: dims, typeCode: 0, data: [])))
            XCTAssertEqual(e, .badDimensions(tensor: "overflow", dimensions: dims), "\(dims)")
            assertMentions(e, ["overflow", "\(dims)"])
        }
    }

    func testHugeButRepresentableTensorIsOutOfBounds() {
        // 2^40 F32 elements fit in Int; the file is far too small for them.
        let e = parseError(file(with: BTensor("big", dims: [1 << 20, 1 << 20], typeCode: 0, data: [])))
        guard case .tensorOutOfBounds(let name, let end, _)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(name, "big")
        XCTAssertGreaterThan(end, 1 << 42)
    }

    func testDuplicateTensor() {
        var b = GGUFBuilder()
        b.add(BTensor("blk.0.ffn_up.weight", dims: [32], type: .f32))
        b.add(BTensor("other", dims: [32], type: .f32))
        b.add(BTensor("blk.0.ffn_up.weight", dims: [64], type: .f16))
        let e = parseError(b)
        XCTAssertEqual(e, .duplicateTensor("blk.0.ffn_up.weight"))
        assertMentions(e, ["blk.0.ffn_up.weight", "twice"])
    }

    func testInvalidUTF8TensorName() {
        var b = GGUFBuilder()
        var t = BTensor("x", dims: [8], type: .f32)
        t.name = [0x77, 0xFF]
        b.add(t)
        XCTAssertEqual(parseError(b), .invalidString(offset: 24))
    }

    func testTruncatedTensorNameLength() {
        var b = GGUFBuilder()
        b.add(BTensor("t", dims: [8], type: .f32))
        var bytes = b.build().bytes
        bytes.replaceSubrange(24..<32, with: withUnsafeBytes(of: UInt64(1) << 63.littleEndian) { Array($0) })
        let e = parseError(bytes)
        guard case .truncated(_, _, _, let reading)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(reading, "a tensor name")
    }
}
