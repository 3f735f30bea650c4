import Engine
import XCTest

/// The scheduler's waiting line: a person's request is admitted before any
/// batch line that waits, whatever order they arrived in.
final class JobPriorityTests: XCTestCase {
    private struct Job: Equatable {
        var name: String
        var priority: JobPriority
    }

    func testInteractiveJobsWaitAheadOfBatchJobsEachInArrivalOrder() {
        var queued: [Job] = []
        let b1 = Job(name: "b1", priority: .batch), b2 = Job(name: "b2", priority: .batch)
        let i1 = Job(name: "i1", priority: .interactive), i2 = Job(name: "i2", priority: .interactive)
        JobPriority.enqueue([b1, b2], into: &queued, priority: \.priority)
        JobPriority.enqueue([i1], into: &queued, priority: \.priority)
        XCTAssertEqual(queued.map(\.name), ["i1", "b1", "b2"])
        let b3 = Job(name: "b3", priority: .batch)
        JobPriority.enqueue([b3, i2], into: &queued, priority: \.priority)
        XCTAssertEqual(queued.map(\.name), ["i1", "i2", "b1", "b2", "b3"])
    }

    func testWithoutBatchJobsTheLineIsArrivalOrder() {
        var queued: [Job] = []
        let jobs = (0..<4).map { Job(name: "i\($0)", priority: .interactive) }
        JobPriority.enqueue(Array(jobs[..<2]), into: &queued, priority: \.priority)
        JobPriority.enqueue(Array(jobs[2...]), into: &queued, priority: \.priority)
        XCTAssertEqual(queued, jobs)
    }
}
