import Foundation
import XCTest
@testable import GGUF

/// Random damage to a small valid file: every mutant either parses or throws a
/// GGUFError, quickly. A crash would take the test process down with it.
final class MutationTests: GGUFTestCase {
    /// SplitMix64: a fixed seed gives the same mutants on every run and platform.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Values that make lengths, counts, types and offsets interesting.
    static let specialBytes: [UInt8] = [0x00, 0x01, 0x02, 0x07, 0x08, 0x09, 0x0C, 0x0D, 0x1F, 0x20, 0x40, 0x7F, 0x80, 0xFE, 0xFF]

    private func fuzz(seed: UInt64, iterations: Int, limitToHeader: Bool) throws {
        var b = TruncationTests.sample()
        b.padEnd = false
        let out = b.build()
        let original = out.bytes
        var rng = SplitMix64(state: seed)
        let path = temp.url.appendingPathComponent("mutant.gguf")
        let region = limitToHeader ? out.dataOffset : original.count
        var parsed = 0, failed = 0
        for i in 0..<iterations {
            var bytes = original
            let flips = Int.random(in: 1...4, using: &rng)
            for _ in 0..<flips {
                let at = Int.random(in: 0..<region, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                default: bytes[at] = Self.specialBytes.randomElement(using: &rng)!
                }
            }
            if Int.random(in: 0..<10, using: &rng) == 0 {
                bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng))
            }
            try Data(bytes).write(to: path)
            do {
                let g = try GGUFFile(path: path.path)
                // Whatever parsed must be usable: every tensor's bytes lie in the file.
                for t in g.tensors {
                    XCTAssertLessThanOrEqual(t.fileOffset + t.byteCount, g.fileSize)
                    _ = g.data(of: t).last
                }
                _ = g.metadata.keys.map { g.metadata[$0] }
                parsed += 1
            } catch is GGUFError {
                failed += 1
            } catch {
                XCTFail("iteration \(i): not a GGUFError: \(error)")
            }
        }
        XCTAssertEqual(parsed + failed, iterations)
        XCTAssertGreaterThan(failed, 0, "some mutants must be rejected")
        print("mutation seed \(seed): \(parsed) parsed, \(failed) rejected")
    }

    /// `BASESERVE_FUZZ_ITERATIONS` runs longer (and `BASESERVE_FUZZ_SEED` elsewhere)
    /// when hunting; the defaults keep the suite quick.
    private var iterationsOverride: Int? {
        ProcessInfo.processInfo.environment["BASESERVE_FUZZ_ITERATIONS"].flatMap { Int($0) }
    }
    private var seedOverride: UInt64? {
        ProcessInfo.processInfo.environment["BASESERVE_FUZZ_SEED"].flatMap { UInt64($0) }
    }

    func testRandomMutationsAnywhere() throws {
        try fuzz(seed: seedOverride ?? 0xBA5E_5E4E, iterations: iterationsOverride ?? 2000, limitToHeader: false)
    }

    func testRandomMutationsInHeaderAndTables() throws {
        try fuzz(seed: seedOverride.map { $0 &+ 1 } ?? 20_250_101, iterations: iterationsOverride ?? 3000, limitToHeader: true)
    }
}
