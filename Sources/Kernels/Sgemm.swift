import KernelsC

/// Row-major fp32 GEMM: C[m×n] = alpha * op(A) * op(B) + beta * C, where op transposes when
/// its flag is set. Single-threaded and safe to call concurrently (one attention head per
/// pool index).
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    kc_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
             b, Int64(ldb), beta, c, Int64(ldc))
}
