import Foundation
import Model

/// Runs submitted jobs on one dedicated thread with continuous batching: each
/// step is one `Engine.step` over every active job (the next token of those
/// generating, chunks of waiting prompts in arrival order). Jobs join at the
/// next step after they are submitted and leave as soon as they finish; jobs
/// whose consumer has gone are dropped before the next step, freeing their cache.
final class Scheduler: @unchecked Sendable {
    private unowned let engine: Engine
    private let condition = NSCondition()
    private var waiting: [Entry] = []
    private var running: [Entry] = []
    private var thread: Thread?

    private final class Entry: @unchecked Sendable {
        let sequence: SequenceRun
        let continuation: AsyncStream<EngineEvent>.Continuation
        /// Set from the stream's termination handler, on any thread.
        private let lock = NSLock()
        private var _cancelled = false
        var cancelled: Bool {
            get { lock.lock(); defer { lock.unlock() }; return _cancelled }
            set { lock.lock(); _cancelled = newValue; lock.unlock() }
        }
        init(sequence: SequenceRun, continuation: AsyncStream<EngineEvent>.Continuation) {
            self.sequence = sequence
            self.continuation = continuation
        }
    }

    init(engine: Engine) { self.engine = engine }

    var activeCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting.count + running.count
    }

    func submit(_ job: CompletionJob) -> AsyncStream<EngineEvent> {
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .unbounded)
        let entry = Entry(sequence: SequenceRun(job: job, engine: engine), continuation: continuation)
        continuation.onTermination = { [weak entry, condition] _ in
            entry?.cancelled = true
            condition.lock(); condition.signal(); condition.unlock()
        }
        condition.lock()
        waiting.append(entry)
        if thread == nil {
            let t = Thread { [weak self] in self?.loop() }
            t.name = "baseserve-scheduler"
            t.stackSize = 8 << 20
            thread = t
            t.start()
        }
        condition.signal()
        condition.unlock()
        return stream
    }

    private func loop() {
        while true {
            condition.lock()
            // Jobs whose consumer went away are dropped, their memory given back.
            for entry in waiting + running where entry.cancelled { entry.sequence.cancel() }
            waiting.removeAll { $0.sequence.isFinished }
            running.removeAll { $0.sequence.isFinished }
            while running.isEmpty && waiting.isEmpty { condition.wait() }
            let candidates = waiting
            condition.unlock()

            // Waiting jobs join in arrival order, each once its whole KV memory
            // can be had; the rest wait for running jobs to give memory back.
            var admitted: [Entry] = []
            engine.modelLock.lock()
            for entry in candidates {
                guard entry.sequence.admit(engine: engine) else { break }
                admitted.append(entry)
                entry.continuation.yield(.admitted(cachedPromptTokens: entry.sequence.cachedTokens))
            }
            engine.modelLock.unlock()

            condition.lock()
            waiting.removeAll { entry in admitted.contains { $0 === entry } }
            running.append(contentsOf: admitted)
            let turn = running
            condition.unlock()
            if turn.isEmpty {
                // Memory is held outside the scheduler (a scoring request): wait for it.
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }

            let participants = turn.filter { !$0.cancelled && !$0.sequence.isFinished }.map { entry in
                Engine.StepParticipant(sequence: entry.sequence) { event in
                    switch event {
                    case .promptScores(let s): entry.continuation.yield(.promptScores(s))
                    case .token(let t): entry.continuation.yield(.token(t))
                    case .finished(let r):
                        entry.continuation.yield(.finished(r))
                        entry.continuation.finish()
                    }
                    return !entry.cancelled
                }
            }
            guard !participants.isEmpty else { continue }
            engine.modelLock.lock()
            engine.step(participants)
            engine.modelLock.unlock()
        }
    }
}
