import Foundation
import GGUF
import XCTest
@testable import Kernels

/// Timing harness, not a test: prints throughput and asserts nothing about time.
/// Runs only with BASESERVE_BENCH=1 (swift test -c release --filter KernelBenchmarks).
final class KernelBenchmarks: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["BASESERVE_BENCH"] == "1", "set BASESERVE_BENCH=1 to run")
    }

    /// Best-of wall time of `body` in seconds.
    func best(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var bestTime = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return bestTime
    }

    func benchMatmul(_ type: GGMLType, rows: Int, columns: Int, tokens: Int, pool: ThreadPool) {
        let bytes = randomMatrixBytes(type, rows: rows, columns: columns, seed: 1)
        let x = randomFloats(tokens * columns, seed: 2)
        var y = [Float](repeating: 0, count: tokens * rows)
        let seconds = bytes.withUnsafeBytes { raw in
            let w = WeightMatrix(type: type, rows: rows, columns: columns, data: raw.baseAddress!)
            return x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    best(tokens < 8 ? 300 : tokens < 100 ? 50 : 8) {
                        matmul(w, input: xp.baseAddress!, tokens: tokens, output: yp.baseAddress!, pool: pool)
                    }
                }
            }
        }
        let gflops = 2.0 * Double(rows * columns * tokens) / seconds * 1e-9
        let gbps = Double(bytes.count) / seconds * 1e-9
        print(String(format: "BENCH matmul %@ %5d->%-5d tokens %3d threads %d: %8.1f us  %7.1f GFLOP/s  %6.1f GB/s weights",
                     type.description, columns, rows, tokens, pool.threadCount, seconds * 1e6, gflops, gbps))
    }

    func testDecodeKernels() {
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            benchMatmul(.q4_1, rows: 1536, columns: 576, tokens: 1, pool: pool)
            benchMatmul(.q4_1, rows: 576, columns: 1536, tokens: 1, pool: pool)
            benchMatmul(.q8_0, rows: 49152, columns: 576, tokens: 1, pool: pool)
            benchMatmul(.q8_0, rows: 1536, columns: 576, tokens: 1, pool: pool)
            benchMatmul(.q4_0, rows: 1536, columns: 576, tokens: 1, pool: pool)
            benchMatmul(.q4_K, rows: 1536, columns: 1536, tokens: 1, pool: pool)
            benchMatmul(.q6_K, rows: 1536, columns: 1536, tokens: 1, pool: pool)
        }
    }

    func testMatmulThroughput() {
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            for tokens in [1, 512] {
                benchMatmul(.q4_1, rows: 1536, columns: 576, tokens: tokens, pool: pool)
                benchMatmul(.q4_1, rows: 576, columns: 1536, tokens: tokens, pool: pool)
                benchMatmul(.q8_0, rows: 49152, columns: 576, tokens: tokens, pool: pool)
            }
        }
    }

    /// Prefill-sized products on the AVX2 path: BaseServe's own tile kernel beside
    /// OpenBLAS on the same dequantized tiles.
    func testAVX2GEMMAgainstOpenBLAS() {
        limitSIMD(.avx2)
        defer { limitSIMD(.avx512); useOwnAVX2GEMM(true) }
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            for own in [false, true] {
                useOwnAVX2GEMM(own)
                for (type, rows, columns) in [(GGMLType.q4_1, 1536, 576), (.q4_1, 576, 1536), (.q8_0, 49152, 576)] {
                    print("BENCH avx2 \(own ? "own     " : "openblas")", terminator: " ")
                    benchMatmul(type, rows: rows, columns: columns, tokens: 512, pool: pool)
                }
            }
        }
    }

    func testSmallTokenCountsBothPaths() {
        let pool = ThreadPool(threads: 2)
        let saved = gemmMinTokens
        defer { gemmMinTokens = saved }
        let single = ThreadPool(threads: 1)
        gemmMinTokens = 1_000_000
        for tokens in 1...8 {
            print("BENCH path dot ", terminator: " ")
            benchMatmul(.q4_1, rows: 1536, columns: 576, tokens: tokens, pool: single)
        }
        for tokens in [2, 3, 4, 6, 8, 12, 16, 32, 48, 64] {
            for (name, threshold) in [("dot ", 1_000_000), ("gemm", 1)] {
                gemmMinTokens = threshold
                print("BENCH path \(name)", terminator: " ")
                benchMatmul(.q4_1, rows: 1536, columns: 576, tokens: tokens, pool: pool)
            }
        }
        for tokens in [4, 16, 32, 48] {
            for (name, threshold) in [("dot ", 1_000_000), ("gemm", 1)] {
                gemmMinTokens = threshold
                print("BENCH path \(name)", terminator: " ")
                benchMatmul(.q8_0, rows: 8192, columns: 576, tokens: tokens, pool: pool)
            }
        }
    }

    /// The matmuls of one SmolLM2-135M decode step over distinct weights (96 MB, more
    /// than L3): the bandwidth bound of decoding.
    func testDecodeStepSweep() {
        let layer: [(GGMLType, Int, Int)] = [(.q4_1, 576, 576), (.q4_1, 192, 576), (.q4_1, 192, 576), (.q4_1, 576, 576),
                                             (.q4_1, 1536, 576), (.q4_1, 1536, 576), (.q4_1, 576, 1536)]
        var shapes = Array(repeating: layer, count: 30).flatMap { $0 }
        shapes.append((.q8_0, 49152, 576))
        let sizes = shapes.map { $0.1 * $0.2 / $0.0.blockSize * $0.0.blockBytes }
        let total = sizes.reduce(0, +)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        defer { raw.deallocate() }
        var rng = SplitMix64(seed: 9)
        for i in 0..<(total / 8) { raw.storeBytes(of: rng.next(), toByteOffset: 8 * i, as: UInt64.self) }
        var matrices: [WeightMatrix] = []
        var offset = 0
        for (shape, size) in zip(shapes, sizes) {
            let (type, rows, cols) = shape
            for block in 0..<(size / type.blockBytes) {
                for off in scaleOffsets(type) {
                    raw.storeBytes(of: UInt16(0x2000 + block % 0x1000), toByteOffset: offset + block * type.blockBytes + off, as: UInt16.self)
                }
            }
            matrices.append(WeightMatrix(type: type, rows: rows, columns: cols, data: UnsafeRawPointer(raw + offset)))
            offset += size
        }
        let x = randomFloats(1536, seed: 4)
        var y = [Float](repeating: 0, count: 49152)
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            let seconds = best(10) {
                for w in matrices { matmul(w, input: x, tokens: 1, output: &y, pool: pool) }
            }
            print(String(format: "BENCH decode step matmuls (%.1f MB) threads %d: %.2f ms  %.1f GB/s  -> %.0f tok/s bound",
                         Double(total) / 1e6, threads, seconds * 1e3, Double(total) / seconds * 1e-9, 1 / seconds))
        }
    }

    func testAttentionSgemm() {
        let t = 512, d = 64
        let q = randomFloats(t * d, seed: 1), kv = randomFloats(t * d, seed: 2)
        var scores = [Float](repeating: 0, count: t * t), out = [Float](repeating: 0, count: t * d)
        for portable in [false, true] {
            setPortableKernelsOnly(portable)
            let s1 = best(20) {
                sgemm(transA: false, transB: true, m: t, n: t, k: d, alpha: 0.125, a: q, lda: d, b: kv, ldb: d, beta: 0, c: &scores, ldc: t)
            }
            let s2 = best(20) {
                sgemm(transA: false, transB: false, m: t, n: d, k: t, alpha: 1, a: scores, lda: t, b: kv, ldb: d, beta: 0, c: &out, ldc: d)
            }
            let flops = 2.0 * Double(t * t * d)
            print(String(format: "BENCH sgemm %@ QK^T 512x512x64: %.1f us %.1f GFLOP/s; PV 512x64x512: %.1f us %.1f GFLOP/s",
                         portable ? "openblas" : "avx512  ", s1 * 1e6, flops / s1 * 1e-9, s2 * 1e6, flops / s2 * 1e-9))
        }
        setPortableKernelsOnly(false)
        // Decode attention: one query row against 512 cached keys/values.
        limitSIMD(.avx2)
        let a3 = best(2000) {
            sgemm(transA: false, transB: true, m: 1, n: t, k: d, alpha: 0.125, a: q, lda: d, b: kv, ldb: d, beta: 0, c: &scores, ldc: t)
        }
        let a4 = best(2000) {
            sgemm(transA: false, transB: false, m: 1, n: d, k: t, alpha: 1, a: scores, lda: t, b: kv, ldb: d, beta: 0, c: &out, ldc: d)
        }
        limitSIMD(.avx512)
        print(String(format: "BENCH sgemm decode (AVX2) qK^T 1x512x64: %.2f us; pV 1x64x512: %.2f us", a3 * 1e6, a4 * 1e6))
        let s3 = best(2000) {
            sgemm(transA: false, transB: true, m: 1, n: t, k: d, alpha: 0.125, a: q, lda: d, b: kv, ldb: d, beta: 0, c: &scores, ldc: t)
        }
        let s4 = best(2000) {
            sgemm(transA: false, transB: false, m: 1, n: d, k: t, alpha: 1, a: scores, lda: t, b: kv, ldb: d, beta: 0, c: &out, ldc: d)
        }
        print(String(format: "BENCH sgemm decode qK^T 1x512x64: %.2f us; pV 1x64x512: %.2f us", s3 * 1e6, s4 * 1e6))
    }

    func testScoreLogitsAndPool() {
        let x = randomFloats(49152, seed: 3, range: -10...20)
        var sink = 0
        let s = best(200) { sink &+= scoreLogits(x, vocabularySize: x.count, target: 17, topK: 5).rank }
        print(String(format: "BENCH scoreLogits 49152 top5: %.1f us", s * 1e6))
        var out = [Float](repeating: 0, count: 576)
        let r = best(2000) { rmsNorm(x, weight: x, count: 576, epsilon: 1e-5, output: &out) }
        var gate = randomFloats(1536, seed: 5)
        let si = best(2000) { siluMultiply(gate: &gate, up: x, count: 1536) }
        var row = randomFloats(512, seed: 6)
        let so = best(2000) { softmaxInPlace(&row, count: 512) }
        print(String(format: "BENCH rmsNorm 576: %.2f us; siluMultiply 1536: %.2f us; softmax 512: %.2f us", r * 1e6, si * 1e6, so * 1e6))
        let pool = ThreadPool(threads: 2)
        let calls = 10000
        let p = best(3) { for _ in 0..<calls { pool.parallelFor(2) { i in sink &+= i } } }
        print(String(format: "BENCH parallelFor(2) overhead: %.2f us per call", p / Double(calls) * 1e6))
        XCTAssertNotEqual(sink, -1)
    }
}
