import GGUF
import KernelsC

/// y[t*w.rows + r] = sum_c W[r,c] * x[t*w.columns + c] for t in 0..<tokens.
/// `x` is tokens×columns and `y` tokens×rows, both row-major fp32.
///
/// Below the GEMM threshold (12 tokens with AVX2, 40 with AVX-512; see gemm.c): fused
/// dequantize-and-dot over the quantized rows (each block decoded once for up to 8 tokens),
/// rows split over the pool. From the threshold: each weight tile is
/// dequantized once into L2 and reused for every token by a register-blocked kernel; tiles
/// split over the pool. Activations stay fp32 throughout. The work lives in C (gemm.c,
/// dot.c) so that the pool callbacks carry no Swift overhead. Called from inside a
/// `parallelFor` body it runs serially on the calling thread. `y` must not overlap `x`.
public func matmul(_ w: WeightMatrix, input x: UnsafePointer<Float>, tokens: Int, output y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    precondition(Dequantize.isSupported(w.type), "unsupported weight type \(w.type)")
    guard tokens > 0, w.rows > 0 else { return }
    pool.withHandle { handle in
        kc_matmul(handle, Int32(w.type.rawValue), w.data, Int64(w.rows), Int64(w.columns), x, Int64(tokens), y)
    }
}

/// `matmul` for matrices that share one input (a layer's query, key and value; its
/// gate and up projections), each into its own output: for a few tokens their rows go to
/// the pool as one job, so the threads meet once rather than once per matrix. The
/// numbers are exactly those of one `matmul` per matrix.
public func matmul(_ parts: [(weights: WeightMatrix, output: UnsafeMutablePointer<Float>)], input x: UnsafePointer<Float>,
                   tokens: Int, pool: ThreadPool) {
    guard tokens > 0, let columns = parts.first?.weights.columns else { return }
    for part in parts {
        precondition(Dequantize.isSupported(part.weights.type), "unsupported weight type \(part.weights.type)")
        precondition(part.weights.columns == columns, "grouped matrices must share their column count")
    }
    let cParts = parts.map { kc_matmul_part(type: Int32($0.weights.type.rawValue), w: $0.weights.data,
                                            rows: Int64($0.weights.rows), y: $0.output) }
    pool.withHandle { handle in
        cParts.withUnsafeBufferPointer { kc_matmul_group(handle, $0.baseAddress, Int32($0.count), Int64(columns), x, Int64(tokens)) }
    }
}

/// A SIMD level of the kernels. Tests and benchmarks cap it (process-wide) to run
/// the AVX2 or portable paths on a machine that has more.
public enum SIMDLimit: Int32, CaseIterable, Sendable {
    case portable = 0, avx2 = 1, avx512 = 2

    public var name: String {
        switch self {
        case .portable: return "portable"
        case .avx2:
            #if arch(arm64)
            return "neon"  // level 1 on aarch64
            #else
            return "avx2"
            #endif
        case .avx512: return "avx512"
        }
    }

    /// The level in use now: the CPU's best, lowered by `limitSIMD`.
    public static var inUse: SIMDLimit { SIMDLimit(rawValue: kc_simd_level()) ?? .portable }
}

/// The most advanced SIMD level the kernels may use from now on, process-wide.
public func limitSIMD(_ level: SIMDLimit) {
    kc_set_simd_limit(level.rawValue)
}

/// Testing aid: forces the portable (non-SIMD) kernels on or off for the whole process.
func setPortableKernelsOnly(_ on: Bool) {
    limitSIMD(on ? .portable : .avx512)
}

/// Benchmarking aid: the token count from which matmul uses the tiled GEMM path
/// (0: chosen by SIMD level).
var gemmMinTokens: Int {
    get { Int(kc_gemm_min_tokens()) }
    set { kc_set_gemm_min_tokens(Int64(newValue)) }
}

/// Benchmarking aid: on AVX2 machines (or with the SIMD level capped to AVX2), whether
/// the tiled GEMM path uses BaseServe's own AVX2 kernel (the default) or OpenBLAS.
func useOwnAVX2GEMM(_ on: Bool) {
    kc_set_gemm_avx2(on ? 1 : 0)
}
