import GGUF
import XCTest
@testable import Kernels

/// matmul against a Double-precision reference over the dequantized matrix.
final class MatMulTests: XCTestCase {
    static let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2)]

    func check(_ type: GGMLType, rows: Int, columns: Int, tokens: Int, pool: ThreadPool, seed: UInt64) {
        let bytes = randomMatrixBytes(type, rows: rows, columns: columns, seed: seed)
        let x = randomFloats(tokens * columns, seed: seed &+ 1)
        var y = [Float](repeating: .nan, count: tokens * rows)
        var dense = [Float](repeating: 0, count: rows * columns)
        bytes.withUnsafeBytes { raw in
            let w = WeightMatrix(type: type, rows: rows, columns: columns, data: raw.baseAddress!)
            for r in 0..<rows {
                Dequantize.row(type, from: raw.baseAddress! + r * w.rowBytes, to: &dense[r * columns], count: columns)
            }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    matmul(w, input: xp.baseAddress!, tokens: tokens, output: yp.baseAddress!, pool: pool)
                }
            }
        }
        var worst = 0.0
        for t in 0..<tokens {
            for r in 0..<rows {
                var sum = 0.0, magnitude = 0.0
                for c in 0..<columns {
                    let p = Double(dense[r * columns + c]) * Double(x[t * columns + c])
                    sum += p; magnitude += abs(p)
                }
                let err = abs(Double(y[t * rows + r]) - sum) / max(magnitude, 1e-30)
                worst = max(worst, err.isNaN ? .infinity : err)
            }
        }
        XCTAssertLessThan(worst, 1e-5, "\(type) \(rows)x\(columns) tokens \(tokens) threads \(pool.threadCount)")
    }

    func testEveryTypeAndShape() {
        var seed: UInt64 = 1
        for type in supportedTypes {
            let columns = type.blockSize == 256 ? 512 : 96
            for tokens in [1, 3, 64, 300] {
                for rows in [37, 600] where !(rows == 600 && tokens == 300 && type.blockSize == 256) {
                    for pool in Self.pools {
                        seed += 1
                        check(type, rows: rows, columns: columns, tokens: tokens, pool: pool, seed: seed)
                    }
                }
            }
        }
    }

    func testPortableKernels() {
        // The scalar/OpenBLAS paths that machines without AVX-512 take.
        withEachReducedSIMD {
            var seed: UInt64 = 500
            for type in supportedTypes {
                let columns = type.blockSize == 256 ? 256 : 64
                for tokens in [1, 5, 40] {
                    seed += 1
                    check(type, rows: 37, columns: columns, tokens: tokens, pool: Self.pools[1], seed: seed)
                }
            }
        }
    }

    func testPlainTypesWithRaggedRows() {
        // Row lengths that are not a multiple of any vector width.
        var seed: UInt64 = 900
        for type in [GGMLType.f32, .f16, .bf16] {
            for tokens in [1, 2, 13, 40] {
                seed += 1
                check(type, rows: 45, columns: 50, tokens: tokens, pool: Self.pools[1], seed: seed)
                withEachReducedSIMD {
                    check(type, rows: 45, columns: 50, tokens: tokens, pool: Self.pools[1], seed: seed)
                }
            }
        }
    }

    func testDecodeKernelsEveryTokenCount() {
        // The fused decode kernels have their own code for one token (four rows per pass,
        // then a ragged tail), for two, and for 3 to 8 tokens decoded once per block; 9 to 12
        // tokens run a group of 8 and a remainder. Every count, at every SIMD level.
        var seed: UInt64 = 1700
        for level in [SIMDLimit.avx512, .avx2, .portable] {
            limitSIMD(level)
            for type in [GGMLType.q4_0, .q4_1, .q8_0] {
                for tokens in 1...12 {
                    seed += 1
                    check(type, rows: 39, columns: 96, tokens: tokens, pool: Self.pools[1], seed: seed)
                }
            }
        }
        limitSIMD(.avx512)
    }

    func testAVX2GEMMEveryTypeRaggedShapes() {
        // The AVX2 tile path from a single token up: every block type, token counts
        // around the 6-token register tile, row counts that leave partial 16-row panels.
        let saved = gemmMinTokens
        defer { gemmMinTokens = saved; limitSIMD(.avx512) }
        gemmMinTokens = 1
        limitSIMD(.avx2)
        var seed: UInt64 = 1300
        for type in supportedTypes {
            let columns = type.blockSize == 256 ? 256 : type.blockSize == 1 ? 50 : 96
            for tokens in [1, 5, 6, 7, 13] {
                for rows in [17, 45] {
                    seed += 1
                    check(type, rows: rows, columns: columns, tokens: tokens, pool: Self.pools[1], seed: seed)
                }
            }
        }
    }

    func testModelShapes() {
        // SmolLM2 shapes, both token regimes and the tied output matrix.
        let pool = Self.pools[1]
        check(.q4_1, rows: 1536, columns: 576, tokens: 1, pool: pool, seed: 100)
        check(.q4_1, rows: 576, columns: 1536, tokens: 9, pool: pool, seed: 101)
        check(.q4_1, rows: 600, columns: 576, tokens: 39, pool: pool, seed: 104)
        check(.q4_1, rows: 600, columns: 576, tokens: 40, pool: pool, seed: 105)
        check(.q8_0, rows: 1000, columns: 576, tokens: 2, pool: pool, seed: 102)
        check(.q8_0, rows: 300, columns: 576, tokens: 17, pool: pool, seed: 103)
    }

    func testGroupedMatricesEqualSeparateOnesBitForBit() {
        // A layer's query, key and value (and gate and up) go to the pool as one job; every
        // product must be exactly what one matmul per matrix gives, in both token regimes,
        // at every SIMD level, with row counts that split unevenly into the job's chunks.
        let columns = 96
        let shapes: [(GGMLType, Int)] = [(.q4_1, 77), (.q8_0, 18), (.q4_0, 130)]
        let matrices = shapes.enumerated().map { i, shape in randomMatrixBytes(shape.0, rows: shape.1, columns: columns, seed: 2000 + UInt64(i)) }
        defer { limitSIMD(.avx512) }
        for level in [SIMDLimit.avx512, .avx2, .portable] {
            limitSIMD(level)
            for tokens in [1, 2, 5, 13, 41] {
                let x = randomFloats(tokens * columns, seed: 2100 + UInt64(tokens))
                for pool in Self.pools {
                    let grouped = shapes.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: tokens * $0.1) }
                    defer { grouped.forEach { $0.deallocate() } }
                    var separate = shapes.map { [Float](repeating: .nan, count: tokens * $0.1) }
                    withWeightMatrices(matrices, shapes: shapes, columns: columns) { weights in
                        x.withUnsafeBufferPointer { xp in
                            for (k, w) in weights.enumerated() {
                                separate[k].withUnsafeMutableBufferPointer {
                                    matmul(w, input: xp.baseAddress!, tokens: tokens, output: $0.baseAddress!, pool: pool)
                                }
                            }
                            grouped.forEach { $0.initialize(repeating: .nan) }
                            matmul(weights.indices.map { (weights[$0], grouped[$0].baseAddress!) }, input: xp.baseAddress!,
                                   tokens: tokens, pool: pool)
                        }
                    }
                    for k in shapes.indices {
                        XCTAssertEqual(Array(grouped[k]).map(\.bitPattern), separate[k].map(\.bitPattern),
                                       "\(shapes[k].0) level \(level.name) tokens \(tokens) threads \(pool.threadCount)")
                    }
                }
            }
        }
    }

    private func withWeightMatrices(_ matrices: [[UInt8]], shapes: [(GGMLType, Int)], columns: Int, _ body: ([WeightMatrix]) -> Void) {
        matrices[0].withUnsafeBytes { m0 in
            matrices[1].withUnsafeBytes { m1 in
                matrices[2].withUnsafeBytes { m2 in
                    let raws = [m0, m1, m2]
                    body(shapes.indices.map { WeightMatrix(type: shapes[$0].0, rows: shapes[$0].1, columns: columns, data: raws[$0].baseAddress!) })
                }
            }
        }
    }

    func testEmptyInputsDoNothing() {
        var y: [Float] = [42]
        let bytes = randomMatrixBytes(.q8_0, rows: 1, columns: 32, seed: 5)
        bytes.withUnsafeBytes { raw in
            let w = WeightMatrix(type: .q8_0, rows: 1, columns: 32, data: raw.baseAddress!)
            matmul(w, input: [Float](repeating: 1, count: 32), tokens: 0, output: &y, pool: Self.pools[1])
        }
        XCTAssertEqual(y, [42])
    }
}
