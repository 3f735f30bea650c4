import XCTest
@testable import Kernels

final class SgemmTests: XCTestCase {
    func check(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float, nanC: Bool = false) {
        // Leading dimensions larger than needed, to exercise strides.
        let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5
        let a = randomFloats((transA ? k : m) * lda, seed: 1)
        let b = randomFloats((transB ? n : k) * ldb, seed: 2)
        var c0 = randomFloats(m * ldc, seed: 3)
        if nanC { for i in 0..<m { for j in 0..<n { c0[i * ldc + j] = .nan } } }
        var c = c0
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
        var bad = 0
        for i in 0..<m {
            for j in 0..<ldc {
                let got = c[i * ldc + j]
                if j >= n {
                    if got.bitPattern != c0[i * ldc + j].bitPattern { bad += 1 }
                    continue
                }
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                let ref = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j]))
                if !(abs(Double(got) - ref) <= 1e-5 * Double(max(k, 1))) { bad += 1 }
            }
        }
        XCTAssertEqual(bad, 0, "m \(m) n \(n) k \(k) tA \(transA) tB \(transB) alpha \(alpha) beta \(beta)")
    }

    func runShapes() {
        for (m, n, k) in [(7, 13, 29), (1, 70, 64), (3, 5, 1), (37, 45, 64), (64, 100, 3), (13, 33, 130)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    check(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 0.75, beta: -0.5)
                    check(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1, beta: 0, nanC: true)
                }
            }
        }
    }

    func testAllTransposeCombinations() {
        runShapes()
    }

    func testOpenBLASPath() {
        withEachReducedSIMD {
            runShapes()
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
