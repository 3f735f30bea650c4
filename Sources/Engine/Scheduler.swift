import Foundation
import Model

/// The one path into the model: a dedicated thread that runs every job,
/// completions and scored continuations alike, with continuous batching.
///
/// Its loop is schedule → run → post-process: take in newly submitted jobs
/// and drop those whose consumer went away (their memory given back), admit
/// waiting jobs (interactive before batch, each in arrival order) while their KV memory can be had, then one
/// `Engine.step` over every running job (the next token of those generating,
/// chunks of waiting prompts), whose results go out as events. Only this
/// thread touches the model, its scratch space and the jobs' caches, so there
/// is no model lock; it waits on a condition when there is nothing to do, and
/// a job that cannot get memory waits for running jobs to finish, step by step.
final class Scheduler: @unchecked Sendable {
    private unowned let engine: Engine
    /// Guards `incoming`, `active` and `thread`; signalled on submission and cancellation.
    private let condition = NSCondition()
    private var incoming: [Job] = []
    private var active = 0
    private var thread: Thread?

    /// A submitted job: its sequence (touched only by the scheduler's thread)
    /// and where its events go.
    final class Job: @unchecked Sendable {
        let sequence: SequenceRun
        let deliver: @Sendable (EngineEvent) -> Void
        let priority: JobPriority
        private let lock = NSLock()
        private var cancelled = false

        init(sequence: SequenceRun, priority: JobPriority = .interactive, deliver: @escaping @Sendable (EngineEvent) -> Void) {
            self.sequence = sequence
            self.priority = priority
            self.deliver = deliver
        }

        /// Set on any thread when the consumer wants no more events.
        var isCancelled: Bool { lock.withLock { cancelled } }
        fileprivate func markCancelled() { lock.withLock { cancelled = true } }
    }

    init(engine: Engine) { self.engine = engine }

    var activeCount: Int { condition.withLock { active } }

    /// Queues jobs; they are taken in together, so jobs submitted at once join
    /// the same step when memory allows.
    func submit(_ jobs: [Job]) {
        condition.withLock {
            incoming += jobs
            active += jobs.count
            if thread == nil {
                let t = Thread { [weak self] in self?.loop() }
                t.name = "baseserve-scheduler"
                t.stackSize = 8 << 20
                thread = t
                t.start()
            }
            condition.signal()
        }
    }

    /// Queues sequences whose events go to streams; cancelling a stream's
    /// consumer, or dropping the stream, cancels its job.
    func stream(_ sequences: [SequenceRun], priority: JobPriority = .interactive) -> [AsyncStream<EngineEvent>] {
        var streams: [AsyncStream<EngineEvent>] = []
        var jobs: [Job] = []
        for sequence in sequences {
            let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .unbounded)
            let job = Job(sequence: sequence, priority: priority) { event in
                continuation.yield(event)
                if case .finished = event { continuation.finish() }
            }
            continuation.onTermination = { [weak self, weak job] _ in
                if let job { self?.cancel(job) }
            }
            streams.append(stream)
            jobs.append(job)
        }
        submit(jobs)
        return streams
    }

    /// Stops a job at the next step: it leaves with its memory given back and
    /// hears `.finished(.stoppedByCaller)` (a stream that ended hears nothing).
    func cancel(_ job: Job) {
        job.markCancelled()
        condition.withLock { condition.signal() }
    }

    private func loop() {
        var queued: [Job] = []   // waiting for memory: interactive jobs first, each class in arrival order
        var running: [Job] = []
        var step = 0
        while true {
            // Schedule: take in what was submitted, or wait for it.
            condition.lock()
            while incoming.isEmpty && queued.isEmpty && running.isEmpty { condition.wait() }
            JobPriority.enqueue(incoming, into: &queued, priority: \.priority)
            incoming = []
            condition.unlock()

            for job in queued + running where job.isCancelled && !job.sequence.isFinished {
                job.sequence.cancel()
                job.deliver(.finished(.stoppedByCaller))
            }
            let finished = (queued + running).filter { $0.sequence.isFinished }.count
            queued.removeAll { $0.sequence.isFinished }
            running.removeAll { $0.sequence.isFinished }
            if finished > 0 { condition.withLock { active -= finished } }

            // Waiting jobs join in their line's order, each once its whole KV memory can
            // be had; the rest wait for running jobs to give memory back.
            while let next = queued.first, next.sequence.admit(engine: engine) {
                queued.removeFirst()
                running.append(next)
                next.deliver(.admitted(cachedPromptTokens: next.sequence.cachedTokens))
            }
            guard !running.isEmpty else {
                // Nothing runs, so every cached block could be evicted and the pool
                // (at least one full context) was free: only a cancellation or a new
                // job changes anything. Wait for one rather than spin.
                condition.withLock {
                    if incoming.isEmpty && !queued.contains(where: \.isCancelled) { condition.wait() }
                }
                continue
            }

            // Run and post-process: one batched step; events go out as results come.
            step += 1
            engine.step(running.filter { !$0.isCancelled }.map { job in
                Engine.StepParticipant(sequence: job.sequence) { event in
                    job.deliver(event)
                    return !job.isCancelled
                }
            }, number: step)
        }
    }
}
