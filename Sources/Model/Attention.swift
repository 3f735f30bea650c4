import Kernels

/// Causal grouped-query attention of new tokens over everything in their cache
/// (earlier positions plus the new tokens themselves), for one or several
/// sequences of a batch at once.
///
/// Per head, scores = Q·Kᵀ/√d and output = softmax(scores)·V are strided
/// matrix products over the cache, one per cache block. Queries go in chunks
/// small enough that a chunk's scores stay around 1 MiB, so a long prompt never
/// holds a tokens × context matrix.
struct Attention {
    let headCount: Int
    let kvHeadCount: Int
    let headDimension: Int
    static let scoreBudget = 1 << 18 // floats of scores per task

    /// One sequence's share of the work.
    struct Slice {
        /// `rows × (headCount·d)`: the new tokens, at positions `past..<past+rows`.
        let queries: UnsafePointer<Float>
        /// The sequence's cache blocks, `past+rows` positions filled, and the layer.
        let blocks: ResolvedBlocks
        let layer: Int
        let rows: Int
        let past: Int
        /// `rows × (headCount·d)`.
        let output: UnsafeMutablePointer<Float>

        var total: Int { past + rows }
        var chunk: Int { max(1, min(rows, Attention.scoreBudget / total)) }
    }

    /// One task: a head of a chunk of one slice's rows.
    private struct Task {
        let slice: Int
        let head: Int
        let first: Int
        let count: Int
    }

    func callAsFunction(_ slices: [Slice], pool: ThreadPool) {
        var tasks: [Task] = []
        var scratchPerTask = 0
        for (s, slice) in slices.enumerated() {
            let chunk = slice.chunk
            scratchPerTask = max(scratchPerTask, chunk * slice.total)
            var first = 0
            while first < slice.rows {
                let count = min(chunk, slice.rows - first)
                // Heads innermost: neighbouring tasks cost about the same, and
                // dealing them round-robin evens out the causal triangle.
                for head in 0..<headCount { tasks.append(Task(slice: s, head: head, first: first, count: count)) }
                first += count
            }
        }
        guard !tasks.isEmpty else { return }
        let threads = min(pool.threadCount, tasks.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: threads * scratchPerTask)
        defer { scratch.deallocate() }

        // Tasks are dealt round-robin to a fixed set of workers so each worker
        // owns one scratch buffer.
        tasks.withUnsafeBufferPointer { tasks in
            pool.parallelFor(threads) { worker in
                let scores = scratch + worker * scratchPerTask
                var t = worker
                while t < tasks.count {
                    run(tasks[t], of: slices[tasks[t].slice], scores: scores)
                    t += threads
                }
            }
        }
    }

    private func run(_ task: Task, of slice: Slice, scores: UnsafeMutablePointer<Float>) {
        let d = headDimension
        let queryStride = headCount * d
        let kvStride = kvHeadCount * d
        let kvHead = task.head / (headCount / kvHeadCount)
        let scale = 1 / Float(d).squareRoot()
        // Only keys up to the chunk's last position can be attended to.
        let visible = slice.past + task.first + task.count
        let blocks = slice.blocks
        let blockSize = blocks.blockSize
        let blockCount = (visible + blockSize - 1) / blockSize
        // Block b is seen only by the rows from firstRow(b) on (the causal mask
        // hides it from earlier ones), so each product covers just those: a
        // prompt chunk's products shrink to the triangle instead of the square.
        let firstRow = { (b: Int) in max(0, b * blockSize - slice.past - task.first) }
        for b in 0..<blockCount {
            let width = min(blockSize, visible - b * blockSize)
            let r0 = firstRow(b)
            sgemm(transA: false, transB: true, m: task.count - r0, n: width, k: d, alpha: scale,
                  a: slice.queries + (task.first + r0) * queryStride + task.head * d, lda: queryStride,
                  b: blocks.keys(b, layer: slice.layer) + kvHead * d, ldb: kvStride,
                  beta: 0, c: scores + r0 * visible + b * blockSize, ldc: visible)
        }
        for r in 0..<task.count {
            let row = scores + r * visible
            let allowed = slice.past + task.first + r + 1
            softmaxInPlace(row, count: allowed)
            if allowed < visible { (row + allowed).update(repeating: 0, count: visible - allowed) }
        }
        let output = slice.output + task.first * queryStride + task.head * d
        for b in 0..<blockCount {
            let width = min(blockSize, visible - b * blockSize)
            let r0 = firstRow(b)  // earlier rows have only zeros here (block 0 is seen by all)
            sgemm(transA: false, transB: false, m: task.count - r0, n: d, k: width, alpha: 1,
                  a: scores + r0 * visible + b * blockSize, lda: visible,
                  b: blocks.values(b, layer: slice.layer) + kvHead * d, ldb: kvStride,
                  beta: b == 0 ? 0 : 1, c: output + r0 * queryStride, ldc: queryStride)
        }
    }
}
