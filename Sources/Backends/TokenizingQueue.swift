import Dispatch

/// Where prompts are tokenized: a queue of its own rather than the request's
/// task. Tokenizing is plain CPU work that cannot be suspended, and a long prompt
/// (up to the body limit when it is to be truncated) takes a second or more; on
/// Swift's cooperative pool, which has one thread per core and runs every
/// request's handler, a few such prompts would leave `/health` and short
/// requests waiting behind them. Dispatch adds threads to a concurrent queue as
/// cores allow, and the awaiting task gives its pool thread back meanwhile.
enum TokenizingQueue {
    private static let queue = DispatchQueue(label: "baseserve.tokenizing", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
