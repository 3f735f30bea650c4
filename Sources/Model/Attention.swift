import Kernels

/// Causal grouped-query attention of a batch of new tokens over everything in
/// the cache (earlier positions plus the batch itself).
///
/// Per head, scores = Q·Kᵀ/√d and output = softmax(scores)·V are two strided
/// matrix products over the cache. Queries go in chunks small enough that a
/// chunk's scores stay around 1 MiB, so a long prompt never holds a
/// tokens × context matrix.
struct Attention {
    let headCount: Int
    let kvHeadCount: Int
    let headDimension: Int
    static let scoreBudget = 1 << 18 // floats of scores per task

    /// - queries: `rows × (headCount·d)`, the new tokens at positions `past..<past+rows`.
    /// - keys/values: the layer's cache, `(past+rows) × (kvHeadCount·d)` filled.
    /// - output: `rows × (headCount·d)`.
    func callAsFunction(
        queries: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        rows: Int, past: Int, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let d = headDimension
        let queryStride = headCount * d
        let kvStride = kvHeadCount * d
        let group = headCount / kvHeadCount
        let total = past + rows
        let chunk = max(1, min(rows, Self.scoreBudget / total))
        let chunkCount = (rows + chunk - 1) / chunk
        let taskCount = headCount * chunkCount
        let threads = min(pool.threadCount, taskCount)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: threads * chunk * total)
        defer { scratch.deallocate() }
        let scale = 1 / Float(d).squareRoot()

        // Tasks are dealt round-robin to a fixed set of workers so each worker
        // owns one scratch buffer; interleaving evens out the causal triangle.
        pool.parallelFor(threads) { worker in
            let scores = scratch + worker * chunk * total
            var task = worker
            while task < taskCount {
                let head = task % headCount
                let first = (task / headCount) * chunk
                let count = min(chunk, rows - first)
                let kvHead = head / group
                // Only keys up to the chunk's last position can be attended to.
                let visible = past + first + count
                sgemm(transA: false, transB: true, m: count, n: visible, k: d, alpha: scale,
                      a: queries + first * queryStride + head * d, lda: queryStride,
                      b: keys + kvHead * d, ldb: kvStride,
                      beta: 0, c: scores, ldc: visible)
                for r in 0..<count {
                    let row = scores + r * visible
                    let allowed = past + first + r + 1
                    softmaxInPlace(row, count: allowed)
                    if allowed < visible { (row + allowed).update(repeating: 0, count: visible - allowed) }
                }
                sgemm(transA: false, transB: false, m: count, n: d, k: visible, alpha: 1,
                      a: scores, lda: visible,
                      b: values + kvHead * d, ldb: kvStride,
                      beta: 0, c: output + first * queryStride + head * d, ldc: queryStride)
                task += threads
            }
        }
    }
}
