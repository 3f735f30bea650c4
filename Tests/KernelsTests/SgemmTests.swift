import XCTest
@testable import Kernels

final class SgemmTests: XCTestCase {
    func testAllTransposeCombinations() {
        let m = 7, n = 13, k = 29
        for transA in [false, true] {
            for transB in [false, true] {
                // Leading dimensions larger than needed, to exercise strides.
                let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5
                let a = randomFloats((transA ? k : m) * lda, seed: 1)
                let b = randomFloats((transB ? n : k) * ldb, seed: 2)
                let c0 = randomFloats(m * ldc, seed: 3)
                var c = c0
                let alpha: Float = 0.75, beta: Float = -0.5
                sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
                for i in 0..<m {
                    for j in 0..<ldc {
                        if j >= n { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j]); continue }
                        var sum = 0.0
                        for p in 0..<k {
                            let av = transA ? a[p * lda + i] : a[i * lda + p]
                            let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                            sum += Double(av) * Double(bv)
                        }
                        let ref = Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
                        XCTAssertEqual(Double(c[i * ldc + j]), ref, accuracy: 1e-5, "tA \(transA) tB \(transB) [\(i),\(j)]")
                    }
                }
            }
        }
    }

    func testConcurrentCallsFromPool() {
        // One GEMM per "head", run from the pool threads at the same time.
        let pool = ThreadPool(threads: 2)
        let heads = 8, m = 16, n = 24, k = 64
        let a = randomFloats(heads * m * k, seed: 4), b = randomFloats(heads * n * k, seed: 5)
        var c = [Float](repeating: 0, count: heads * m * n)
        c.withUnsafeMutableBufferPointer { cp in
            let cbase = cp.baseAddress!
            pool.parallelFor(heads) { h in
                sgemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a.withUnsafeBufferPointer { $0.baseAddress! + h * m * k }, lda: k,
                      b: b.withUnsafeBufferPointer { $0.baseAddress! + h * n * k }, ldb: k, beta: 0, c: cbase + h * m * n, ldc: n)
            }
        }
        for h in 0..<heads {
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(a[h * m * k + i * k + p]) * Double(b[h * n * k + j * k + p]) }
                    XCTAssertEqual(Double(c[h * m * n + i * n + j]), sum, accuracy: 1e-4)
                }
            }
        }
    }
}
