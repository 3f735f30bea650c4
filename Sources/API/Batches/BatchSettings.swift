/// The Batch API's limits and its runner's pace (`serve`'s `--max-batch-file-*`,
/// `--batch-*` options).
public struct BatchSettings: Sendable {
    /// The largest file `/v1/files` takes, in bytes.
    public var maxFileBytes: Int
    /// The most lines (requests) one file may hold.
    public var maxFileLines: Int
    /// How long a batch with `completion_window: "24h"` has, in seconds: 24
    /// hours, unless an operator (or a test of expiry) sets less.
    public var windowSeconds: Double
    /// Batch lines this process runs at once, at most.
    public var concurrency: Int
    /// How long a claimed line is held: renewed while it runs, so only a
    /// process that dies lets it lapse and return to the pool.
    public var leaseSeconds: Double

    public init(maxFileBytes: Int = 200_000_000, maxFileLines: Int = 50_000, windowSeconds: Double = 86_400,
                concurrency: Int = 8, leaseSeconds: Double = 30) {
        self.maxFileBytes = maxFileBytes
        self.maxFileLines = maxFileLines
        self.windowSeconds = windowSeconds
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
    }
}
