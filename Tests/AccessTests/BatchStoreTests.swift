import API
import Foundation
import Testing
@testable import Access

/// The Batch API's store on both databases: files in chunks, batches with
/// their lines, leases that no two workers share, results stored once, and
/// each batch finished once.
@Suite struct BatchStoreTests {
    static func lines(_ count: Int) -> [BatchLineInput] {
        (1...count).map { BatchLineInput(customID: "req-\($0)", body: #"{"prompt":"line \#($0)"}"#) }
    }

    static func newBatch(owner: String = "m1", lines: [BatchLineInput], errors: [BatchError] = [],
                         expiresAt: Date = Date().addingTimeInterval(3600)) -> NewBatch {
        NewBatch(owner: owner, keyID: "k1", endpoint: "/v1/score", inputFileID: "file-x", completionWindow: "24h",
                 metadata: #"{"run":"7"}"#, expiresAt: expiresAt, lines: lines, errors: errors)
    }

    /// A batch's output or error file, which must exist.
    static func content(_ store: SQLAccessStore, _ id: String?) async throws -> String {
        let id = try #require(id)
        return try #require(try await store.fileContent(id: id, owner: "m1"))
    }

    static func result(_ line: ClaimedBatchLine, error: Bool = false) -> BatchLineResult {
        BatchLineResult(isError: error, line: #"{"custom_id":"\#(line.customID)"}"#)
    }

    @Test(arguments: Backend.all)
    func filesAreStoredInChunksAndSeenOnlyByTheirOwner(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            // Three chunks' worth of lines, with a character of several bytes at each chunk's edge.
            let line = String(repeating: "é", count: 1000) + "\n"
            let content = String(repeating: line, count: (3 * SQLAccessStore.batchChunkBytes) / line.utf8.count)
            let file = try await store.createFile(owner: "m1", filename: "in.jsonl", purpose: "batch", content: content, lines: 1)
            #expect(SQLAccessStore.chunks(of: content).count >= 3)
            #expect(try await store.fileContent(id: file.id, owner: "m1") == content)
            #expect(try await store.fileContent(id: file.id, owner: "m2") == nil)
            #expect(try await store.file(id: file.id, owner: "m2") == nil)
            #expect(try await store.file(id: file.id, owner: nil)?.bytes == content.utf8.count)

            let second = try await store.createFile(owner: "m1", filename: "b.jsonl", purpose: "batch", content: "{}\n", lines: 1)
            #expect(try await store.files(owner: "m1", purpose: nil, after: nil, limit: 10).map(\.id) == [second.id, file.id])
            #expect(try await store.files(owner: "m1", purpose: nil, after: second.id, limit: 10).map(\.id) == [file.id])
            #expect(try await store.files(owner: "m2", purpose: nil, after: nil, limit: 10).isEmpty)

            #expect(try await store.deleteFile(id: file.id, owner: "m2") == false)
            #expect(try await store.deleteFile(id: file.id, owner: "m1") == true)
            #expect(try await store.fileContent(id: file.id, owner: nil) == nil)
        }
    }

    @Test(arguments: Backend.all)
    func aBatchRunsEveryLineOnceAndFinishesOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let batch = try await store.createBatch(Self.newBatch(lines: Self.lines(5)))
            #expect(batch.status == .inProgress)
            #expect(batch.requestCounts == BatchRequestCounts(total: 5, completed: 0, failed: 0))
            #expect(try await store.batch(id: batch.id, owner: "m2") == nil)

            let first = try await store.claimBatchLines(worker: "a", limit: 3, leaseSeconds: 60)
            #expect(first.map(\.customID) == ["req-1", "req-2", "req-3"])
            let rest = try await store.claimBatchLines(worker: "b", limit: 10, leaseSeconds: 60)
            #expect(rest.map(\.customID) == ["req-4", "req-5"])
            #expect(try await store.claimBatchLines(worker: "c", limit: 10, leaseSeconds: 60).isEmpty)

            for line in first + rest.prefix(1) {
                #expect(try await store.commitBatchResult(lineID: line.id, result: Self.result(line)))
            }
            // A second result for a custom_id is never stored.
            #expect(try await store.commitBatchResult(lineID: first[0].id, result: Self.result(first[0])) == false)
            #expect(try await store.finalizeDueBatches().isEmpty)
            #expect(try await store.commitBatchResult(lineID: rest[1].id, result: Self.result(rest[1], error: true)))

            #expect(try await store.finalizeDueBatches() == [batch.id])
            #expect(try await store.finalizeDueBatches().isEmpty)
            let done = try #require(try await store.batch(id: batch.id, owner: "m1"))
            #expect(done.status == .completed)
            #expect(done.requestCounts == BatchRequestCounts(total: 5, completed: 4, failed: 1))
            #expect(done.completedAt != nil && done.metadata == #"{"run":"7"}"#)
            let output = try await Self.content(store, done.outputFileID)
            #expect(output == (1...4).map { #"{"custom_id":"req-\#($0)"}"# + "\n" }.joined())
            let errors = try await Self.content(store, done.errorFileID)
            #expect(errors == #"{"custom_id":"req-5"}"# + "\n")
            // A finished batch takes no more results.
            #expect(try await store.commitBatchResult(lineID: rest[1].id, result: Self.result(rest[1])) == false)
        }
    }

    @Test(arguments: Backend.all)
    func anExpiredLeaseReturnsItsLineToThePool(_ backend: Backend) async throws {
        let clock = TestClock(Date())
        try await withStore(backend, now: { clock.now }) { store, _ in
            _ = try await store.createBatch(Self.newBatch(lines: Self.lines(2)))
            let held = try await store.claimBatchLines(worker: "dead", limit: 2, leaseSeconds: 10)
            #expect(held.count == 2)
            clock.advance(5)
            try await store.renewBatchLeases(worker: "dead", lineIDs: [held[1].id], leaseSeconds: 10)
            clock.advance(6)
            // The first lease lapsed; the renewed one holds.
            #expect(try await store.claimBatchLines(worker: "alive", limit: 2, leaseSeconds: 10).map(\.customID) == ["req-1"])
            // Released with a delay: claimable only after it.
            try await store.releaseBatchLine(worker: "dead", lineID: held[1].id, delaySeconds: 3)
            #expect(try await store.claimBatchLines(worker: "alive", limit: 2, leaseSeconds: 10).isEmpty)
            clock.advance(4)
            #expect(try await store.claimBatchLines(worker: "alive", limit: 2, leaseSeconds: 10).map(\.customID) == ["req-2"])
        }
    }

    @Test(arguments: Backend.all)
    func concurrentClaimersNeverShareALine(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            _ = try await store.createBatch(Self.newBatch(lines: Self.lines(60)))
            // A second store on the same database: another server.
            let other = try await SQLAccessStore.open(databaseURL: fixture.databaseURL, dataDirectory: fixture.directory,
                                                      logger: .init(label: "other"))
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    let s = worker % 2 == 0 ? store : other
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let lines = try await s.claimBatchLines(worker: "w\(worker)", limit: 3, leaseSeconds: 60)
                            if lines.isEmpty { return mine }
                            mine += lines.map(\.customID)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            try await other.close()
            #expect(claimed.count == 60)
            #expect(Set(claimed).count == 60)
        }
    }

    @Test(arguments: Backend.all)
    func cancelledAndExpiredBatchesKeepTheirResultsAndAnswerTheRest(_ backend: Backend) async throws {
        let clock = TestClock(Date())
        try await withStore(backend, now: { clock.now }) { store, _ in
            let cancelled = try await store.createBatch(Self.newBatch(lines: Self.lines(3)))
            let running = try await store.claimBatchLines(worker: "a", limit: 1, leaseSeconds: 60)
            #expect(try await store.cancelBatch(id: cancelled.id, owner: "m2") == nil)
            #expect(try await store.cancelBatch(id: cancelled.id, owner: "m1")?.status == .cancelling)
            // No more claims; the running line finishes first.
            #expect(try await store.claimBatchLines(worker: "b", limit: 5, leaseSeconds: 60).isEmpty)
            #expect(try await store.finalizeDueBatches().isEmpty)
            #expect(try await store.commitBatchResult(lineID: running[0].id, result: Self.result(running[0])))
            #expect(try await store.finalizeDueBatches() == [cancelled.id])
            let done = try #require(try await store.batch(id: cancelled.id, owner: "m1"))
            #expect(done.status == .cancelled && done.cancelledAt != nil)
            #expect(done.requestCounts == BatchRequestCounts(total: 3, completed: 1, failed: 2))
            let errors = try await Self.content(store, done.errorFileID)
            #expect(errors.split(separator: "\n").count == 2 && errors.contains("batch_cancelled") && errors.contains("req-3"))

            let expiring = try await store.createBatch(Self.newBatch(lines: Self.lines(2), expiresAt: clock.now.addingTimeInterval(10)))
            let line = try #require(try await store.claimBatchLines(worker: "a", limit: 1, leaseSeconds: 60).first)
            #expect(try await store.commitBatchResult(lineID: line.id, result: Self.result(line)))
            clock.advance(11)
            #expect(try await store.claimBatchLines(worker: "a", limit: 5, leaseSeconds: 60).isEmpty)
            #expect(try await store.finalizeDueBatches() == [expiring.id])
            let expired = try #require(try await store.batch(id: expiring.id, owner: "m1"))
            #expect(expired.status == .expired && expired.expiredAt != nil)
            #expect(expired.requestCounts == BatchRequestCounts(total: 2, completed: 1, failed: 1))
            #expect(try await Self.content(store, expired.errorFileID).contains("batch_expired"))
        }
    }

    @Test(arguments: Backend.all)
    func aBatchThatFailedValidationKeepsItsErrorsAndHasNoLines(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let errors = [BatchError(code: "invalid_request", message: "`temperature` must be a number", param: "temperature", line: 2)]
            let batch = try await store.createBatch(Self.newBatch(lines: [], errors: errors))
            #expect(batch.status == .failed && batch.failedAt != nil && batch.errors == errors)
            #expect(try await store.claimBatchLines(worker: "a", limit: 5, leaseSeconds: 60).isEmpty)
            #expect(try await store.finalizeDueBatches().isEmpty)
            let second = try await store.createBatch(Self.newBatch(lines: Self.lines(1)))
            #expect(try await store.batches(owner: "m1", after: nil, limit: 10).map(\.id) == [second.id, batch.id])
            #expect(try await store.batches(owner: "m1", after: second.id, limit: 10).map(\.id) == [batch.id])
            #expect(try await store.batches(owner: nil, after: nil, limit: 1).map(\.id) == [second.id])
        }
    }
}

extension TestClock {
    func advance(_ seconds: TimeInterval) { set(now.addingTimeInterval(seconds)) }
}
