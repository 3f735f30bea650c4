import Foundation
import XCTest
@testable import GGUF

/// A valid file cut short anywhere must throw GGUFError, never crash.
final class TruncationTests: GGUFTestCase {
    /// A small file with metadata of every kind and tensors of several types.
    static func sample(version: UInt32 = 3) -> GGUFBuilder {
        var b = GGUFBuilder(version: version)
        b.add("general.architecture", .string("llama"))
        b.add("llama.block_count", .uint32(2))
        b.add("llama.rope.freq_base", .float32(10000))
        b.add("f64", .float64(0.5))
        b.add("i64", .int64(-3))
        b.add("flag", .bool(true))
        b.add("small", .array(elementType: 1, [.int8(1), .int8(-1)]))
        b.add("tokenizer.ggml.tokens", .strings(["<s>", "</s>", "a", "b", "ab"]))
        b.add("tokenizer.ggml.scores", .float32s([0, 0, -1, -2, -3]))
        b.add("nested", .array(elementType: 9, [.int32s([1, 2]), .strings(["x"])]))
        b.add(BTensor("token_embd.weight", dims: [32, 5], type: .q8_0))
        b.add(BTensor("output_norm.weight", dims: [32], type: .f32))
        b.add(BTensor("blk.0.ffn_down.weight", dims: [256, 2], type: .q4_K))
        b.add(BTensor("half", dims: [3], type: .f16))
        return b
    }

    private func assertEveryPrefixThrows(_ out: GGUFBuilder.Output, cuts: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = temp.url.appendingPathComponent("cut.gguf")
        for cut in cuts {
            try Data(out.bytes[0..<cut]).write(to: path)
            do {
                _ = try GGUFFile(path: path.path)
                XCTFail("a file cut to \(cut) of \(out.bytes.count) bytes parsed", file: file, line: line)
            } catch let e as GGUFError {
                switch e {
                case .truncated(let offset, let needed, let size, _):
                    XCTAssertEqual(size, cut, file: file, line: line)
                    XCTAssertGreaterThan(offset + needed, cut, "cut \(cut): \(e)", file: file, line: line)
                    XCTAssertTrue(e.description.contains("truncated"), e.description, file: file, line: line)
                case .absurdCount:
                    // A count checked against the bytes left: true for a cut file.
                    break
                case .tensorOutOfBounds(let name, let end, let size):
                    XCTAssertEqual(size, cut, file: file, line: line)
                    XCTAssertGreaterThan(end, cut, file: file, line: line)
                    XCTAssertTrue(e.description.contains(name), file: file, line: line)
                default:
                    XCTFail("cut \(cut): unexpected \(e)", file: file, line: line)
                }
            } catch {
                XCTFail("cut \(cut): not a GGUFError: \(error)", file: file, line: line)
            }
        }
    }

    func testEveryCutInHeaderMetadataAndTensorTable() throws {
        let out = Self.sample().build()
        XCTAssertNoThrow(try parse(out.bytes), "the uncut file is valid")
        try assertEveryPrefixThrows(out, cuts: Array(0...out.dataOffset))
    }

    func testEveryCutVersion2() throws {
        let out = Self.sample(version: 2).build()
        XCTAssertNoThrow(try parse(out.bytes))
        try assertEveryPrefixThrows(out, cuts: Array(0..<out.tensorTableStart + 40))
    }

    func testCutsInTheData() throws {
        var b = Self.sample()
        b.padEnd = false
        let out = b.build()
        let end = out.bytes.count
        var cuts = [out.dataOffset + 1, out.dataOffset + 33, end - 1, end - 2, end - 100]
        // Inside each tensor: its first byte, its middle, its last byte.
        for (t, start) in zip(b.tensors, out.tensorFileOffsets) {
            cuts += [start, start + t.data.count / 2, start + t.data.count - 1]
        }
        try assertEveryPrefixThrows(out, cuts: cuts.filter { $0 < end })
    }

    func testTruncatedErrorNamesWhatItWasReading() {
        var b = GGUFBuilder()
        b.add("general.architecture", .string("llama"))
        b.add("llama.block_count", .uint32(2))
        let bytes = b.build().bytes
        // The value of llama.block_count starts at 24 + (8+20+4+8+5) + (8+17+4) = 98.
        let e = parseError(Array(bytes[0..<100]))
        XCTAssertEqual(e, .truncated(offset: 98, needed: 4, fileSize: 100, reading: "the value of \"llama.block_count\""))
        assertMentions(e, ["truncated", "llama.block_count", "4 bytes", "offset 98", "100 bytes"])
    }

    func testTruncatedRealFileHeader() throws {
        // The first 4 KiB of the default model: its metadata runs on for megabytes.
        let path = TestFiles.defaultModel
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingTestFile(message: "the default model is missing at \(path); run the BaseServe set-up script to fetch it")
        }
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        let head = try XCTUnwrap(try handle.read(upToCount: 1 << 20))
        for cut in [4096, 65536, 1 << 20] {
            let e = parseError(Array(head.prefix(cut)))
            guard case .truncated(_, _, let size, _)? = e else {
                guard case .absurdCount? = e else { XCTFail("cut \(cut): \(String(describing: e))"); continue }
                continue
            }
            XCTAssertEqual(size, cut)
        }
    }
}
