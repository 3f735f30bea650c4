import Foundation
import GGUF
import XCTest
@testable import Kernels

/// The golden tiny-llama3.gguf holds one tensor of each supported type: every one must be
/// accepted and multiply correctly straight from the memory-mapped file.
final class GoldenModelTests: XCTestCase {
    /// `Tests/Data/golden/tiny-llama3.gguf`, found from this file's path.
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/golden/tiny-llama3.gguf").path

    func testEveryTensorMultipliesFromTheMappedFile() throws {
        // The file is part of the repository: missing, it is a failure, not a skip.
        let file = try GGUFFile(path: Self.path)
        let pool = ThreadPool(threads: 2)
        var seen = Set<GGMLType>()
        for info in file.tensors where info.dimensions.count == 2 {
            XCTAssertTrue(Dequantize.isSupported(info.type), "\(info.name) \(info.type)")
            seen.insert(info.type)
            let data = file.data(of: info)
            // Large vocabulary matrices: a slice of rows keeps the Double reference cheap.
            let rows = min(info.rowCount, 300), cols = info.rowLength
            let w = WeightMatrix(type: info.type, rows: rows, columns: cols, data: data.baseAddress!)
            var dense = [Float](repeating: 0, count: rows * cols)
            for r in 0..<rows {
                Dequantize.row(info.type, from: data.baseAddress! + r * info.rowBytes, to: &dense[r * cols], count: cols)
            }
            XCTAssertFalse(dense.contains { !$0.isFinite }, info.name)
            for tokens in [1, 20] {
                let x = randomFloats(tokens * cols, seed: UInt64(tokens))
                var y = [Float](repeating: .nan, count: tokens * rows)
                matmul(w, input: x, tokens: tokens, output: &y, pool: pool)
                for t in 0..<tokens {
                    for r in 0..<rows {
                        var sum = 0.0, magnitude = 0.0
                        for c in 0..<cols {
                            let p = Double(dense[r * cols + c]) * Double(x[t * cols + c])
                            sum += p; magnitude += abs(p)
                        }
                        if !(abs(Double(y[t * rows + r]) - sum) <= 1e-5 * magnitude + 1e-30) {
                            XCTFail("\(info.name) token \(t) row \(r): \(y[t * rows + r]) vs \(sum)")
                            return
                        }
                    }
                }
            }
        }
        XCTAssertEqual(seen, Set(supportedTypes), "the golden model should cover all 11 types")
    }
}
