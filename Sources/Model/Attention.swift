import Kernels

/// Causal grouped-query attention of new tokens over everything in their cache
/// (earlier positions plus the new tokens themselves), for one or several
/// sequences of a batch at once.
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

    /// One sequence's share of the work.
    struct Slice {
        /// `rows × (headCount·d)`: the new tokens, at positions `past..<past+rows`.
        let queries: UnsafePointer<Float>
        /// The layer's cache, `(past+rows) × (kvHeadCount·d)` filled.
        let keys: UnsafePointer<Float>
        let values: UnsafePointer<Float>
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
        sgemm(transA: false, transB: true, m: task.count, n: visible, k: d, alpha: scale,
              a: slice.queries + task.first * queryStride + task.head * d, lda: queryStride,
              b: slice.keys + kvHead * d, ldb: kvStride,
              beta: 0, c: scores, ldc: visible)
        for r in 0..<task.count {
            let row = scores + r * visible
            let allowed = slice.past + task.first + r + 1
            softmaxInPlace(row, count: allowed)
            if allowed < visible { (row + allowed).update(repeating: 0, count: visible - allowed) }
        }
        sgemm(transA: false, transB: false, m: task.count, n: d, k: visible, alpha: 1,
              a: scores, lda: visible,
              b: slice.values + kvHead * d, ldb: kvStride,
              beta: 0, c: slice.output + task.first * queryStride + task.head * d, ldc: queryStride)
    }
}
