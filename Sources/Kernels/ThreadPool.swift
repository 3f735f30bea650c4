import KernelsC

/// A fixed set of persistent worker threads for the forward pass.
///
/// The pool itself lives in C (`pool.c`): jobs are handed out index by index through an
/// atomic counter, idle workers spin briefly and then sleep, and nothing is allocated per
/// call, so the many small jobs of a decode step stay cheap.
public final class ThreadPool: @unchecked Sendable {
    private let pool: OpaquePointer

    /// `threads` participants: `threads - 1` workers plus the calling thread.
    public init(threads: Int) {
        pool = kc_pool_create(Int32(clamping: max(1, threads)))
    }

    deinit { kc_pool_destroy(pool) }

    /// The C pool, for kernels that schedule their own work.
    func withHandle<R>(_ body: (OpaquePointer) -> R) -> R {
        withExtendedLifetime(self) { body(pool) }
    }

    public var threadCount: Int { Int(kc_pool_threads(pool)) }

    /// Runs `body(i)` for every `i` in `0..<count` across the pool (the caller takes part)
    /// and returns when all have finished. The pool runs one job at a time: a call made from
    /// inside `body`, or from another thread while a job runs, executes serially on its caller.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 { body(0); return }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                kc_pool_run(pool, Int64(count), { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, UnsafeMutableRawPointer(pointer))
            }
        }
    }
}
