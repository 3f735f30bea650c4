@testable import Backends
import AsyncHTTPClient
import Logging
import XCTest

final class ReplicaPoolTests: XCTestCase {
    func testFewestOutstandingWinsAndTiesGoRound() {
        let pool = ReplicaPool(urls: ["a", "b", "c"])
        // One at a time, the replicas take turns.
        var order: [Int] = []
        for _ in 0..<6 {
            let i = pool.acquire()!
            order.append(i)
            pool.release(i)
        }
        XCTAssertEqual(order, [0, 1, 2, 0, 1, 2])
        // Held requests push the next one to the least busy replica.
        let first = pool.acquire()!, second = pool.acquire()!, third = pool.acquire()!
        XCTAssertEqual(Set([first, second, third]), [0, 1, 2])
        pool.release(second)
        XCTAssertEqual(pool.acquire(), second)
        XCTAssertEqual(pool.outstanding, 3)
    }

    func testUnhealthyReplicasAreSkippedUntilNoneIsLeft() {
        let pool = ReplicaPool(urls: ["a", "b"])
        XCTAssertTrue(pool.setHealthy(0, false))
        XCTAssertFalse(pool.setHealthy(0, false), "no change, no transition")
        for _ in 0..<4 {
            let i = pool.acquire()!
            XCTAssertEqual(i, 1)
            pool.release(i)
        }
        // With every replica down, they are still tried: one may be back before its next check.
        pool.setHealthy(1, false)
        XCTAssertNotNil(pool.acquire())
        pool.setHealthy(0, true)
        XCTAssertEqual(pool.acquire(excluding: [1]), 0)
    }

    func testExclusionForRetries() {
        let pool = ReplicaPool(urls: ["a", "b"])
        XCTAssertEqual(pool.acquire(excluding: [0]), 1)
        XCTAssertNil(pool.acquire(excluding: [0, 1]), "every replica tried: nothing left")
    }
}

final class UpstreamHealthCheckTests: XCTestCase {
    func testTransitionsAndProbeOfAClosedPort() async {
        let config = UpstreamConfiguration(name: "big", urls: ["http://127.0.0.1:9", "http://127.0.0.1:10"])
        let client = UpstreamClient(configuration: config)
        let pool = ReplicaPool(urls: config.urls)
        let check = UpstreamHealthCheck(model: "big", pool: pool, client: client, path: "/health", interval: 1, logger: Logger(label: "test"))
        // Nothing listens on the discard port: the probe fails, the replica goes out.
        let healthy = await check.probe("http://127.0.0.1:9")
        XCTAssertFalse(healthy)
        await check.checkAll()
        XCTAssertEqual(pool.snapshot.map(\.healthy), [false, false])
        check.record(1, url: config.urls[1], healthy: true)
        XCTAssertEqual(pool.snapshot.map(\.healthy), [false, true])
        XCTAssertEqual(pool.acquire(), 1)
        try? await client.http.shutdown()
    }
}

final class UpstreamErrorTests: XCTestCase {
    let client: UpstreamClient = {
        var c = UpstreamConfiguration(name: "big", urls: ["http://gpu1:8000"])
        c.apiKey = "sk-secret-key"
        return UpstreamClient(configuration: c)
    }()

    func testStatusesMapToOurs() {
        let url = "http://gpu1:8000/v1/completions"
        XCTAssertEqual(client.statusError(400, ("max_tokens is too large", "max_tokens"), url: url),
                       .invalidRequest("max_tokens is too large", param: "max_tokens"))
        let long = "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."
        XCTAssertEqual(client.statusError(400, (long, nil), url: url), .contextLengthExceeded(long, param: nil))
        guard case .upstreamFailure(let auth) = client.statusError(401, ("bad key sk-secret-key", nil), url: url) else { return XCTFail() }
        XCTAssertTrue(auth.contains("refused BaseServe's credentials"), auth)
        XCTAssertFalse(auth.contains("sk-secret-key"))
        guard case .upstreamFailure(let server) = client.statusError(500, ("boom sk-secret-key", nil), url: url) else { return XCTFail() }
        XCTAssertEqual(server, "The upstream of model `big` at http://gpu1:8000 failed with HTTP 500: boom [redacted]")
        guard case .unavailable = client.statusError(503, nil, url: url) else { return XCTFail() }
        guard case .upstreamTimeout = client.statusError(504, nil, url: url) else { return XCTFail() }
    }

    func testTransportFailures() {
        let url = "http://gpu1:8000/v1/completions"
        let timeout = client.failure(HTTPClientError.deadlineExceeded, url: url)
        guard case .upstreamTimeout(let message) = timeout.error else { return XCTFail("\(timeout.error)") }
        XCTAssertEqual(message, "The upstream of model `big` at http://gpu1:8000 did not answer within 600 s.")
        XCTAssertFalse(timeout.notSent)
        XCTAssertTrue(client.failure(HTTPClientError.connectTimeout, url: url).notSent)
        XCTAssertFalse(client.failure(HTTPClientError.remoteConnectionClosed, url: url).notSent,
                       "a connection closed after sending may have started work: not retried")
    }

    func testURLsAreNormalised() {
        XCTAssertEqual(UpstreamConfiguration.normalizedURL("http://h:8000/v1/"), "http://h:8000")
        XCTAssertEqual(UpstreamClient.host("http://h:8000/v1/completions"), "http://h:8000")
        XCTAssertNotNil(UpstreamConfiguration(name: "x", urls: ["h:8000"]).problem())
        XCTAssertNil(UpstreamConfiguration(name: "x", urls: ["http://h:8000"]).problem())
    }
}
