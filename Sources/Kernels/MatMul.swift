import GGUF
import KernelsC

/// Below this many tokens the fused dequantize-and-dot path wins: the weights are read once
/// and the per-token work is a dot product; from here on, decoding a tile once and running
/// a GEMM over all tokens is faster.
let gemmTokenThreshold = 8

/// y[t*w.rows + r] = sum_c W[r,c] * x[t*w.columns + c] for t in 0..<tokens.
/// `x` is tokens×columns and `y` tokens×rows, both row-major fp32.
public func matmul(_ w: WeightMatrix, input x: UnsafePointer<Float>, tokens: Int, output y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    precondition(Dequantize.isSupported(w.type), "unsupported weight type \(w.type)")
    guard tokens > 0, w.rows > 0 else { return }
    let type = Int32(w.type.rawValue)
    let rows = w.rows, cols = w.columns, threads = pool.threadCount
    if tokens < gemmTokenThreshold {
        // Several chunks per thread even out uneven progress; 16-row granularity keeps
        // the per-chunk overhead negligible.
        let perChunk = max(16, (rows + 4 * threads - 1) / (4 * threads))
        let chunks = (rows + perChunk - 1) / perChunk
        pool.parallelFor(chunks) { i in
            let r0 = i * perChunk, r1 = min(rows, r0 + perChunk)
            kc_matvec_rows(type, w.data, Int64(cols), Int64(r0), Int64(r1), x, Int64(tokens), y, Int64(rows))
        }
    } else {
        // Tiles sized for L2, but never fewer tiles than threads.
        var perTile = Int(kc_tile_rows(Int64(cols)))
        let fair = (rows + threads - 1) / threads
        if fair < perTile { perTile = max(16, (fair + 15) / 16 * 16) }
        let tiles = (rows + perTile - 1) / perTile
        pool.parallelFor(tiles) { i in
            let r0 = i * perTile, r1 = min(rows, r0 + perTile)
            kc_matmul_tile(type, w.data, Int64(cols), Int64(r0), Int64(r1), x, Int64(tokens), y, Int64(rows))
        }
    }
}
