import Foundation
import XCTest
@testable import Kernels

final class NormsTests: XCTestCase {
    func testRMSNorm() {
        for n in [1, 7, 576, 1000] {
            let x = randomFloats(n, seed: UInt64(n), range: -30...30)
            let w = randomFloats(n, seed: UInt64(n) + 1)
            var out = [Float](repeating: 0, count: n)
            rmsNorm(x, weight: w, count: n, epsilon: 1e-5, output: &out)
            let ss = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            let scale = 1 / (ss / Double(n) + 1e-5).squareRoot()
            for i in 0..<n {
                XCTAssertEqual(Double(out[i]), Double(x[i]) * scale * Double(w[i]), accuracy: 1e-6 * max(1, abs(Double(x[i]) * scale)))
            }
        }
    }

    func testRMSNormInPlace() {
        var x = randomFloats(64, seed: 9)
        let expected: [Float] = {
            var o = [Float](repeating: 0, count: 64)
            rmsNorm(x, weight: [Float](repeating: 1, count: 64), count: 64, epsilon: 1e-6, output: &o)
            return o
        }()
        x.withUnsafeMutableBufferPointer { p in
            rmsNorm(p.baseAddress!, weight: [Float](repeating: 1, count: 64), count: 64, epsilon: 1e-6, output: p.baseAddress!)
        }
        XCTAssertEqual(x, expected)
    }

    func testSiluMultiply() {
        let n = 1537
        var gate = randomFloats(n, seed: 1, range: -20...20)
        let original = gate
        let up = randomFloats(n, seed: 2, range: -3...3)
        siluMultiply(gate: &gate, up: up, count: n)
        for i in 0..<n {
            let g = Double(original[i])
            let ref = g / (1 + Foundation.exp(-g)) * Double(up[i])
            XCTAssertEqual(Double(gate[i]), ref, accuracy: 1e-6 * max(1, abs(ref)))
        }
    }

    func testSoftmaxWithMaskedEntries() {
        for n in [1, 5, 33, 300] {
            var x = randomFloats(n, seed: UInt64(n), range: -50...50)
            for i in stride(from: 1, to: n, by: 3) { x[i] = -Float.infinity }
            let original = x
            softmaxInPlace(&x, count: n)
            let mx = original.max()!
            let denom = original.reduce(0.0) { $0 + Foundation.exp(Double($1) - Double(mx)) }
            var total = 0.0
            for i in 0..<n {
                let ref = Foundation.exp(Double(original[i]) - Double(mx)) / denom
                XCTAssertEqual(Double(x[i]), ref, accuracy: 1e-6)
                if original[i] == -.infinity { XCTAssertEqual(x[i], 0) }
                total += Double(x[i])
            }
            XCTAssertEqual(total, 1, accuracy: 1e-5)
        }
    }

    func testSoftmaxLargeValuesDoNotOverflow() {
        var x: [Float] = [1000, 1001, 999]
        softmaxInPlace(&x, count: 3)
        XCTAssertFalse(x.contains { !$0.isFinite })
        XCTAssertEqual(Double(x[1]), 1 / (1 + exp(-1.0) + exp(-2.0)), accuracy: 1e-6)
    }

    func testPortablePaths() {
        withEachReducedSIMD {
            testRMSNorm()
            testSiluMultiply()
            testSoftmaxWithMaskedEntries()
            testSoftmaxLargeValuesDoNotOverflow()
        }
    }

    func testSiluExtremes() {
        var gate: [Float] = [-100, -30, -1e-3, 0, 1e-3, 30, 100, 17]
        let original = gate
        siluMultiply(gate: &gate, up: [Float](repeating: 2, count: 8), count: 8)
        for i in 0..<8 {
            let g = Double(original[i])
            XCTAssertEqual(Double(gate[i]), 2 * g / (1 + Foundation.exp(-g)), accuracy: 1e-6 * max(1, abs(g)))
        }
    }

    func testSoftmaxAllMaskedIsUniform() {
        var x = [Float](repeating: -.infinity, count: 4)
        softmaxInPlace(&x, count: 4)
        XCTAssertEqual(x, [0.25, 0.25, 0.25, 0.25])
    }
}
