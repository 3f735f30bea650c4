import Dispatch
import Synchronization
import XCTest
@testable import Kernels

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexRunsExactlyOnce() {
        for threads in [1, 2, 3, 8] {
            let pool = ThreadPool(threads: threads)
            XCTAssertEqual(pool.threadCount, threads)
            for count in [0, 1, 2, 5, 1000] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                hits.initialize(repeating: 0, count: max(count, 1))
                // Distinct indices write distinct slots, so no synchronisation is needed.
                pool.parallelFor(count) { i in hits[i] += 1 }
                for i in 0..<count { XCTAssertEqual(hits[i], 1, "threads \(threads) count \(count) index \(i)") }
                hits.deallocate()
            }
        }
    }

    func testManyCallsInARow() {
        let pool = ThreadPool(threads: 2)
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 7)
        hits.initialize(repeating: 0, count: 7)
        for _ in 0..<5000 { pool.parallelFor(7) { i in hits[i] += 1 } }
        for i in 0..<7 { XCTAssertEqual(hits[i], 5000) }
        hits.deallocate()
    }

    func testCallsAfterIdleSleep() {
        // Workers fall asleep between calls; they must wake for the next job.
        let pool = ThreadPool(threads: 2)
        for _ in 0..<5 {
            let counter = Atomic<Int>(0)
            pool.parallelFor(64) { _ in counter.add(1, ordering: .relaxed) }
            XCTAssertEqual(counter.load(ordering: .relaxed), 64)
            usleep(20_000)
        }
    }

    func testBothThreadsTakePart() {
        let pool = ThreadPool(threads: 2)
        let ids = UnsafeMutablePointer<pthread_t>.allocate(capacity: 64)
        pool.parallelFor(64) { i in
            ids[i] = pthread_self()
            usleep(1000)
        }
        XCTAssertEqual(Set((0..<64).map { UInt(ids[$0]) }).count, 2)
        ids.deallocate()
    }

    func testPoolIsReleased() {
        for _ in 0..<20 {
            let pool = ThreadPool(threads: 2)
            pool.parallelFor(4) { _ in }
        }
    }

    func testNestedCallRunsSerially() {
        let pool = ThreadPool(threads: 2)
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        hits.initialize(repeating: 0, count: 16)
        pool.parallelFor(4) { i in
            pool.parallelFor(4) { j in hits[i * 4 + j] += 1 }
        }
        XCTAssertEqual((0..<16).map { hits[$0] }, [Int](repeating: 1, count: 16))
        hits.deallocate()
    }

    func testConcurrentCallersShareThePool() {
        let pool = ThreadPool(threads: 2)
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<200 { pool.parallelFor(8) { _ in total.add(1, ordering: .relaxed) } }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 4 * 200 * 8)
    }
}
