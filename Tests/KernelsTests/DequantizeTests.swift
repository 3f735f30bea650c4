import Foundation
import GGUF
import XCTest
@testable import Kernels

/// Decoded values must equal those of the independent `gguf` Python package bit for bit.
final class DequantizeTests: XCTestCase {
    func testEveryTypeMatchesGGUFPackage() throws {
        try checkFixtures()
    }

    func testPortablePathsMatchGGUFPackage() throws {
        try withEachReducedSIMD {
            try checkFixtures()
        }
    }

    func checkFixtures() throws {
        for type in supportedTypes {
            XCTAssertTrue(Dequantize.isSupported(type), "\(type)")
            let raw = try fixture("\(type).bin")
            let expectedData = try fixture("\(type).f32")
            let count = expectedData.count / 4
            XCTAssertEqual(raw.count, count / type.blockSize * type.blockBytes, "\(type) fixture size")
            let expected: [Float] = expectedData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            var got = [Float](repeating: .nan, count: count)
            // Copy to an odd address: weight rows are not aligned in general.
            var shifted = [UInt8](repeating: 0, count: raw.count + 1)
            shifted.replaceSubrange(1..., with: raw)
            shifted.withUnsafeBytes { src in
                got.withUnsafeMutableBufferPointer { dst in
                    Dequantize.row(type, from: src.baseAddress! + 1, to: dst.baseAddress!, count: count)
                }
            }
            var mismatches = 0
            for i in 0..<count where got[i].bitPattern != expected[i].bitPattern {
                if mismatches < 5 { XCTFail("\(type)[\(i)]: got \(got[i]), expected \(expected[i])") }
                mismatches += 1
            }
            XCTAssertEqual(mismatches, 0, "\(type)")
        }
    }

    func testUnsupportedTypesAreReported() {
        for type in [GGMLType.q2_K, .q3_K, .q8_K, .q8_1, .i8, .f64] {
            XCTAssertFalse(Dequantize.isSupported(type), "\(type)")
        }
    }

    func testPartialRowDecodesPrefix() throws {
        // Decoding the first block alone gives the same values as decoding the row.
        let raw = try fixture("Q4_K.bin"), expectedData = try fixture("Q4_K.f32")
        let expected: [Float] = expectedData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        var got = [Float](repeating: 0, count: 256)
        raw.withUnsafeBytes { src in
            got.withUnsafeMutableBufferPointer { Dequantize.row(.q4_K, from: src.baseAddress!, to: $0.baseAddress!, count: 256) }
        }
        XCTAssertEqual(got, Array(expected[0..<256]))
    }
}
