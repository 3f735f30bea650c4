@testable import API
import XCTest

/// The per-key queue: `C` run, `Q` wait in arrival order, the next is refused
/// with `queue_full`, and a waiter whose task is cancelled leaves the line.
/// No sleeps: each step waits until the queue itself reports the state.
final class KeyQueueTests: XCTestCase {
    /// Yields until `condition` holds: the waiting tasks need the executor to
    /// reach their `acquire`, which happens in a few turns. Fails (rather than
    /// hanging) when it never does; returns whether it did.
    @discardableResult
    private func eventually(_ what: String, _ condition: () async -> Bool) async -> Bool {
        for _ in 0..<100_000 {
            if await condition() { return true }
            await Task.yield()
        }
        XCTFail("never happened: \(what)")
        return false
    }

    /// Ordered record of which waiter got its turn.
    private actor Turns {
        var order: [Int] = []
        var slots: [Int: QueueSlot] = [:]
        func got(_ i: Int, _ slot: QueueSlot) {
            order.append(i)
            slots[i] = slot
        }
        func release(_ i: Int) { slots.removeValue(forKey: i)?.release() }
    }

    func testConcurrencyRunWaitersInOrderAndTheNextIsRefused() async throws {
        let queues = KeyQueues(defaultConcurrency: 2, maxWaiting: 3)
        let first = try await queues.acquire(key: "k")
        let second = try await queues.acquire(key: "k")
        XCTAssertEqual(queues.counts(key: "k").running, 2)

        let turns = Turns()
        var waiters: [Task<Void, any Error>] = []
        for i in 0..<3 {
            waiters.append(Task {
                let slot = try await queues.acquire(key: "k")
                await turns.got(i, slot)
            })
            // Each waiter is in line before the next one starts: arrival order is known.
            await eventually("waiter \(i) in line") { queues.counts(key: "k").waiting == i + 1 }
        }

        // C running and Q waiting: the next one is refused at once.
        do {
            _ = try await queues.acquire(key: "k")
            XCTFail("a request beyond C + Q was queued")
        } catch let error as APIError {
            XCTAssertEqual(error.status.code, 429)
            XCTAssertEqual(error.code, .queueFull)
            XCTAssertEqual(error.headers[.retryAfter], "1")
        }
        // Another key has a line of its own.
        let other = try await queues.acquire(key: "other")

        // Each released slot goes to the first waiter.
        first.release()
        guard await eventually("a waiter runs", { await turns.order.count == 1 }) else { return }
        second.release()
        guard await eventually("a second waiter runs", { await turns.order.count == 2 }) else { return }
        await turns.release(0)
        guard await eventually("the third waiter runs", { await turns.order.count == 3 }) else { return }
        for waiter in waiters { try await waiter.value }
        let order = await turns.order
        XCTAssertEqual(order, [0, 1, 2])
        XCTAssertEqual(queues.counts(key: "k").running, 2)
        XCTAssertEqual(queues.counts(key: "k").waiting, 0)

        // Releasing twice gives back one slot.
        await turns.release(1)
        await turns.release(1)
        await turns.release(2)
        XCTAssertEqual(queues.counts(key: "k").running, 0)
        other.release()
        XCTAssertEqual(queues.counts(key: "other").running, 0)
    }

    func testACancelledWaiterLeavesTheQueueAndTheNextMovesUp() async throws {
        let queues = KeyQueues(defaultConcurrency: 1, maxWaiting: 2)
        let running = try await queues.acquire(key: "k")
        let turns = Turns()
        let leaving = Task { try await queues.acquire(key: "k") }
        await eventually("the first waiter in line") { queues.counts(key: "k").waiting == 1 }
        let staying = Task { await turns.got(1, try await queues.acquire(key: "k")) }
        await eventually("the second waiter in line") { queues.counts(key: "k").waiting == 2 }

        // The queue is full; the first waiter's client goes away, and it leaves the line at once.
        leaving.cancel()
        guard await eventually("the cancelled waiter leaves", { queues.counts(key: "k").waiting == 1 }) else { return }
        do {
            _ = try await leaving.value
            XCTFail("a cancelled waiter got a slot")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        // Its place is free at once: a newcomer may wait again.
        let newcomer = Task { await turns.got(2, try await queues.acquire(key: "k")) }
        await eventually("the newcomer in line") { queues.counts(key: "k").waiting == 2 }

        // The next slot goes to the waiter that stayed, not to the one that left
        // (nor to the newcomer behind it).
        running.release()
        guard await eventually("a waiter runs", { await turns.order.count == 1 }) else { return }
        let order = await turns.order
        XCTAssertEqual(order, [1])
        await turns.release(order[0])
        guard await eventually("the newcomer runs", { await turns.order.count == 2 }) else { return }
        try await staying.value
        try await newcomer.value
        await turns.release(2)
        XCTAssertEqual(queues.counts(key: "k").running, 0)
    }

    func testAKeysOwnConcurrencyOverridesTheDefault() async throws {
        let queues = KeyQueues(defaultConcurrency: 1, maxWaiting: 0)
        let slots = [try await queues.acquire(key: "k", concurrency: 3), try await queues.acquire(key: "k", concurrency: 3),
                     try await queues.acquire(key: "k", concurrency: 3)]
        XCTAssertEqual(queues.counts(key: "k").running, 3)
        // With no room to wait (Q = 0), the fourth is refused.
        do {
            _ = try await queues.acquire(key: "k", concurrency: 3)
            XCTFail("a fourth request ran")
        } catch let error as APIError {
            XCTAssertEqual(error.code, .queueFull)
        }
        for slot in slots { slot.release() }
    }

    func testADroppedSlotIsReleased() async throws {
        let queues = KeyQueues(defaultConcurrency: 1, maxWaiting: 0)
        do {
            _ = try await queues.acquire(key: "k")
        }
        // The slot was never released explicitly: dropping it freed it.
        let again = try await queues.acquire(key: "k")
        again.release()
    }

    func testRequestIDsFromClientsAreKeptOnlyWhenShortAndPrintable() {
        XCTAssertTrue(RequestID.isAcceptable("eval-run-42/item-7"))
        XCTAssertFalse(RequestID.isAcceptable(""))
        XCTAssertFalse(RequestID.isAcceptable("has space"))
        XCTAssertFalse(RequestID.isAcceptable("line\nbreak"))
        XCTAssertFalse(RequestID.isAcceptable("é"))
        XCTAssertFalse(RequestID.isAcceptable(String(repeating: "a", count: RequestID.maxLength + 1)))
        XCTAssertTrue(RequestID.isAcceptable(String(repeating: "a", count: RequestID.maxLength)))
        let generated = RequestID.generate()
        XCTAssertEqual(generated.count, 32)
        XCTAssertTrue(RequestID.isAcceptable(generated))
        XCTAssertNotEqual(generated, RequestID.generate())
    }
}
