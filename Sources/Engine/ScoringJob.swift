/// Scoring a continuation after a context (`/v1/score`): the tokens are
/// evaluated like a prompt, the logprobs of the continuation's tokens are
/// reported, and the context's keys and values stay in the prefix cache down
/// to the token (its last, partly filled block as a copy), so that the next
/// continuation of the same context starts from them.
///
/// With no continuation the job only evaluates the context and keeps it: run
/// first, it lets the continuations that follow share one evaluation of it.
public struct ScoringJob: Sendable {
    public var context: [Int]
    public var continuation: [Int]
    /// Alternatives to report at each continuation position.
    public var topK: Int
    /// Steering applied while scoring (steered scoring); capture and the lens are not read here.
    public var steering: [SteeringVector]
    /// A batch line waits behind every interactive job for admission.
    public var priority: JobPriority = .interactive

    public init(context: [Int], continuation: [Int], topK: Int = 0, steering: [SteeringVector] = [],
                priority: JobPriority = .interactive) {
        precondition(!context.isEmpty, "a scored continuation needs at least one token of context")
        self.context = context
        self.continuation = continuation
        self.topK = topK
        self.steering = steering
        self.priority = priority
    }
}
