@testable import API
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// /metrics is for loopback clients, or for scrapers holding the metrics token.
final class MetricsAccessTests: XCTestCase {
    func testWithoutATokenOnlyLoopbackClientsAreServed() async throws {
        // The in-process client has no address, like a client the server cannot place.
        try await withApp(metricsToken: nil) { client in
            let reply = try await client.get("/metrics")
            XCTAssertEqual(reply.status, .notFound)
            XCTAssertEqual(reply.json["error"]?["type"], "not_found_error")
            XCTAssertFalse(reply.text.contains("baseserve_"), reply.text)
        }
        for address in ["127.0.0.1", "127.0.0.2", "::1", "::FFFF:127.0.0.1"] {
            XCTAssertTrue(MetricsAccess.isLoopback(address), address)
        }
        for address in ["10.0.0.1", "192.168.1.127", "::ffff:10.0.0.1", "fe80::1", "128.0.0.1", "::"] {
            XCTAssertFalse(MetricsAccess.isLoopback(address), address)
        }
    }

    func testWithATokenEveryScrapeMustPresentIt() async throws {
        try await withApp(metricsToken: "s3cret-scrape") { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "s3cret-scrape"],
                                        [.authorization: "Bearer s3cret-scrapeX"]] {
                let reply = try await client.get("/metrics", headers: headers)
                XCTAssertEqual(reply.status, .unauthorized, "\(headers)")
                XCTAssertEqual(reply.json["error"]?["type"], "authentication_error")
                XCTAssertFalse(reply.text.contains("baseserve_"), reply.text)
            }
            let reply = try await client.get("/metrics", headers: [.authorization: "Bearer s3cret-scrape"])
            XCTAssertEqual(reply.status, .ok)
            XCTAssert(reply.text.contains("baseserve_requests_total"), reply.text)
        }
    }
}
