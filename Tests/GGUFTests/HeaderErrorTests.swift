import Foundation
import XCTest
@testable import GGUF

/// Files that fail before the metadata: not a file, not GGUF, wrong version,
/// impossible counts.
final class HeaderErrorTests: GGUFTestCase {
    func testPathThatDoesNotExist() {
        let path = temp.url.appendingPathComponent("no-such-model.gguf").path
        let e = openError(path)
        guard case .cannotOpen(let p, let reason)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(p, path)
        XCTAssertTrue(reason.lowercased().contains("no such file"), reason)
        assertMentions(e, ["cannot open", path])
    }

    func testDirectory() {
        let e = openError(temp.url.path)
        XCTAssertEqual(e, .cannotOpen(path: temp.url.path, reason: "not a regular file"))
        assertMentions(e, ["cannot open", temp.url.path, "not a regular file"])
    }

    func testDeviceFile() {
        XCTAssertEqual(openError("/dev/null"), .cannotOpen(path: "/dev/null", reason: "not a regular file"))
    }

    func testSymlinkToAValidFileOpens() throws {
        let target = try temp.write(GGUFBuilder().build().bytes)
        let link = temp.url.appendingPathComponent("link.gguf").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertEqual(try GGUFFile(path: link).version, 3)
    }

    func testEmptyFile() {
        let e = parseError([])
        XCTAssertEqual(e, .truncated(offset: 0, needed: 4, fileSize: 0, reading: "the magic number"))
        assertMentions(e, ["truncated", "magic", "0 bytes"])
    }

    func testTooShortForMagic() {
        let e = parseError(Array("GG".utf8))
        XCTAssertEqual(e, .truncated(offset: 0, needed: 4, fileSize: 2, reading: "the magic number"))
    }

    func testPNGHeader() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]
        let e = parseError(png + [UInt8](repeating: 0, count: 32))
        XCTAssertEqual(e, .badMagic(found: 0x474E_5089))
        assertMentions(e, ["not a GGUF file", "\\x89PNG", "\"GGUF\""])
    }

    func testOtherMagics() {
        // A text file, a big-endian "GGUF" (FUGG) and ggml's older GGJT magic.
        for (bytes, shown) in [(Array("hello world, this is text".utf8), "hell"),
                               (Array("FUGG".utf8) + [UInt8](repeating: 0, count: 28), "FUGG"),
                               (Array("tjgg".utf8) + [UInt8](repeating: 0, count: 28), "tjgg")] {
            let e = parseError(bytes)
            guard case .badMagic? = e else { XCTFail("\(shown): got \(String(describing: e))"); continue }
            assertMentions(e, ["not a GGUF file", shown])
        }
    }

    func testUnsupportedVersions() {
        for version: UInt32 in [0, 1, 4, 0x0300_0000, UInt32.max] {
            var b = GGUFBuilder(version: version)
            b.add("k", .uint8(1))
            let e = parseError(b)
            XCTAssertEqual(e, .unsupportedVersion(version))
            assertMentions(e, ["version \(version)", "not supported", "2 and 3"])
        }
    }

    func testVersionFieldTruncated() {
        let e = parseError(Array("GGUF".utf8) + [3, 0])
        XCTAssertEqual(e, .truncated(offset: 4, needed: 4, fileSize: 6, reading: "the version"))
    }

    func testAbsurdTensorCount() {
        var b = GGUFBuilder()
        b.tensorCountOverride = 1 << 60
        let e = parseError(b)
        guard case .absurdCount(let what, let count, _)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(what, "tensors")
        XCTAssertEqual(count, 1 << 60)
        assertMentions(e, ["1152921504606846976 tensors", "corrupt"])
    }

    func testAbsurdMetadataCount() {
        var b = GGUFBuilder()
        b.add("k", .uint32(1))
        b.metadataCountOverride = 1 << 60
        let e = parseError(b)
        guard case .absurdCount(let what, let count, let limit)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertEqual(what, "metadata entries")
        XCTAssertEqual(count, 1 << 60)
        XCTAssertLessThan(limit, 100)
        assertMentions(e, ["1152921504606846976 metadata entries", "corrupt"])
    }

    func testMaximalCounts() {
        for (tensors, keys) in [(UInt64.max, UInt64(0)), (0, UInt64.max), (UInt64.max, UInt64.max)] {
            var b = GGUFBuilder()
            b.tensorCountOverride = tensors
            b.metadataCountOverride = keys
            guard case .absurdCount? = parseError(b) else { return XCTFail("counts \(tensors), \(keys)") }
        }
    }

    func testCountsThatExceedTheFileByOne() {
        // One more key than written: reading runs off the end of the file.
        var b = GGUFBuilder()
        b.add("alpha", .uint64(1))
        b.add("bravo", .uint64(2))
        b.metadataCountOverride = 3
        b.padEnd = false
        let e = parseError(b)
        guard case .truncated? = e else { return XCTFail("got \(String(describing: e))") }
        assertMentions(e, ["truncated", "metadata key"])
    }
}
