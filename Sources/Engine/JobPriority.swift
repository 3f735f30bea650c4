/// Which class a job waits in: a person's request, or a batch line that runs
/// on what capacity is left. Admission takes interactive jobs first, so a batch
/// never makes a person at the Workbench wait behind it for memory.
public enum JobPriority: Sendable, Equatable {
    case interactive
    case batch

    /// Puts `jobs` into the waiting line `queued`: an interactive job ahead of
    /// every waiting batch job, a batch job at the end; each class keeps its
    /// arrival order.
    public static func enqueue<Job>(_ jobs: [Job], into queued: inout [Job], priority: (Job) -> JobPriority) {
        for job in jobs {
            if priority(job) == .batch {
                queued.append(job)
            } else {
                queued.insert(job, at: queued.firstIndex { priority($0) == .batch } ?? queued.endIndex)
            }
        }
    }
}
