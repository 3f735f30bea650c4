import Access
import API
import Backends
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import XCTest

/// The API behind the access store, in-process: members' keys, operators' keys,
/// revocation, suspension, model restrictions, limits with their headers, and
/// the usage each request leaves behind. Runs on SQLite (a temporary folder).
final class AccessGateTests: XCTestCase {
    nonisolated(unsafe) private static var engine: Engine?

    private var directory: URL!
    private var store: SQLAccessStore!
    private var member: Member!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)")
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        store = try await SQLAccessStore.open(databaseURL: nil, dataDirectory: directory.path, logger: logger)
        member = try await store.createMember(email: "ada@lab.test", name: "Ada", passwordHash: PasswordHasher.hash("password1", cost: 4),
                                              isAdmin: false, by: nil)
    }

    override func tearDown() async throws {
        try? await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    private func backend() throws -> LocalBackend {
        if Self.engine == nil { Self.engine = try Engine(modelPath: try TestPaths.require(TestPaths.tinyLlama3), threads: 2) }
        return try LocalBackend(engine: Self.engine!, name: "tiny")
    }

    private func withApp(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            models: ModelRegistry([try backend()]),
            authenticator: AccessGate(store: store, operatorKeys: ["operator-key"], logger: logger),
            configuration: ServerConfiguration(cancelOnDisconnect: false), logger: logger)
        try await app.test(.router) { client in try await body(client) }
    }


    func testMemberKeysWorkUntilRevokedAndOperatorKeysBesideThem() async throws {
        let issued = try await store.createKey(memberID: member.id, name: "laptop", expiresAt: nil, limits: .none, by: nil)
        let store = self.store!
        try await withApp { client in
            let ok = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(issued.secret)) { $0.status }
            XCTAssertEqual(ok, .ok)
            let op = try await client.execute(uri: "/v1/models", method: .get, headers: bearer("operator-key")) { $0.status }
            XCTAssertEqual(op, .ok)
            // A typo in the secret breaks the checksum; another id is unknown.
            var typo = issued.secret
            typo.removeLast()
            typo.append(issued.secret.last == "A" ? "B" : "A")
            for bad in [typo, "bsk_nothing", "bsk_AAAAAAAA_" + String(repeating: "a", count: 38)] {
                let r = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(bad)) { $0 }
                XCTAssertEqual(r.status, .unauthorized, bad)
                XCTAssertTrue(String(buffer: r.body).contains("invalid_api_key"))
            }
            try await store.revokeKey(id: issued.key.id, memberID: nil, by: nil)
            let revoked = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(issued.secret)) { $0.status }
            XCTAssertEqual(revoked, .unauthorized, "revocation bites on the next request")
        }
    }

    func testSuspendedMembersAndExpiredKeysAreRefused() async throws {
        let expired = try await store.createKey(memberID: member.id, name: "old", expiresAt: Date().addingTimeInterval(-1), limits: .none, by: nil)
        let live = try await store.createKey(memberID: member.id, name: "live", expiresAt: nil, limits: .none, by: nil)
        let store = self.store!, memberID = member.id
        try await withApp { client in
            let e = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(expired.secret)) { $0.status }
            XCTAssertEqual(e, .unauthorized)
            try await store.setStatus(memberID: memberID, status: .suspended, by: nil)
            let s = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(live.secret)) { $0.status }
            XCTAssertEqual(s, .unauthorized)
        }
    }

    func testAKeyLimitedToOtherModelsGets403() async throws {
        let issued = try await store.createKey(memberID: member.id, name: "narrow", expiresAt: nil,
                                               limits: Limits(allowedModels: ["some-other-model"]), by: nil)
        try await withApp { client in
            let r = try await complete(client, key: issued.secret)
            XCTAssertEqual(r.status, .forbidden)
            XCTAssertTrue(String(buffer: r.body).contains("model_not_allowed"))
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: bearer(issued.secret)) { String(buffer: $0.body) }
            XCTAssertFalse(models.contains("\"tiny\""), models)
        }
    }

    func testRequestsPerMinuteGive429WithRetryAfterAndHeaders() async throws {
        try await store.setLimits(memberID: member.id, limits: Limits(requestsPerMinute: 2), by: nil)
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        try await withApp { client in
            for remaining in ["1", "0"] {
                let r = try await complete(client, key: issued.secret)
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(r.headers[HTTPField.Name("x-ratelimit-limit-requests")!], "2")
                XCTAssertEqual(r.headers[HTTPField.Name("x-ratelimit-remaining-requests")!], remaining)
            }
            let limited = try await complete(client, key: issued.secret)
            XCTAssertEqual(limited.status, .tooManyRequests)
            XCTAssertGreaterThanOrEqual(Int(limited.headers[.retryAfter] ?? "") ?? 0, 1)
            XCTAssertEqual(limited.headers[HTTPField.Name("x-ratelimit-remaining-requests")!], "0")
            XCTAssertTrue(String(buffer: limited.body).contains("rate_limit_error"))
            XCTAssertTrue(String(buffer: limited.body).contains(#""code":"rate_limit_exceeded""#), String(buffer: limited.body))
        }
    }

    /// With the access database gone, members' keys cannot be checked: 503
    /// `service_unavailable` (retry later), not a 401 or a 500.
    func testAnUnreachableAccessDatabaseIsServiceUnavailable() async throws {
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        // A second store on the same database, closed: the gate's connection is gone.
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let gone = try await SQLAccessStore.open(databaseURL: nil, dataDirectory: directory.path, logger: logger)
        try await gone.close()
        let app = buildApplication(
            models: ModelRegistry([try backend()]), authenticator: AccessGate(store: gone, operatorKeys: [], logger: logger),
            configuration: ServerConfiguration(cancelOnDisconnect: false), logger: logger)
        try await app.test(.router) { client in
            let r = try await complete(client, key: issued.secret)
            XCTAssertEqual(r.status, .serviceUnavailable, String(buffer: r.body))
            XCTAssertTrue(String(buffer: r.body).contains(#""code":"service_unavailable""#), String(buffer: r.body))
        }
    }

    func testAKeyOverrideBeatsTheMemberLimit() async throws {
        try await store.setLimits(memberID: member.id, limits: Limits(requestsPerMinute: 100), by: nil)
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: Limits(requestsPerMinute: 1), by: nil)
        try await withApp { client in
            let first = try await complete(client, key: issued.secret)
            XCTAssertEqual(first.status, .ok)
            let second = try await complete(client, key: issued.secret)
            XCTAssertEqual(second.status, .tooManyRequests)
        }
    }

    func testTokensPerMinuteReserveTheWorstCaseAndCountWhatWasServed() async throws {
        // "Hello there" with two tokens to generate may cost 11 bytes + 2 special tokens + 2 = 15.
        try await store.setLimits(memberID: member.id, limits: Limits(tokensPerMinute: 15), by: nil)
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        let remaining = HTTPField.Name("x-ratelimit-remaining-tokens")!
        try await withApp { client in
            let first = try await complete(client, key: issued.secret)
            XCTAssertEqual(first.status, .ok)
            // The success's headers count the whole reservation.
            XCTAssertEqual(first.headers[remaining], "0")
            let used = Int(String(buffer: first.body).firstMatch(of: /"total_tokens":(\d+)/)!.1)!
            XCTAssertLessThan(used, 15)
            // Settled to what was used: the rest is free, but too little for another worst case.
            let second = try await complete(client, key: issued.secret)
            XCTAssertEqual(second.status, .tooManyRequests)
            XCTAssertTrue(String(buffer: second.body).contains("tokens per minute"), String(buffer: second.body))
            XCTAssertEqual(second.headers[remaining], String(15 - used))
            XCTAssertNotNil(second.headers[.retryAfter])
            // More than the whole limit can never run: refused without Retry-After.
            let huge = try await complete(client, key: issued.secret, maxTokens: 100)
            XCTAssertEqual(huge.status, .tooManyRequests)
            XCTAssertTrue(String(buffer: huge.body).contains("can never run"), String(buffer: huge.body))
            XCTAssertTrue(String(buffer: huge.body).contains(#""code":"rate_limit_exceeded""#), String(buffer: huge.body))
            XCTAssertNil(huge.headers[.retryAfter])
        }
    }

    func testAPausedKeyGets401KeyPausedUntilResumed() async throws {
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        let store = self.store!, memberID = member.id
        try await withApp { client in
            try await store.setKeyPaused(id: issued.key.id, memberID: memberID, paused: true, by: memberID)
            let paused = try await complete(client, key: issued.secret)
            XCTAssertEqual(paused.status, .unauthorized)
            let body = String(buffer: paused.body)
            XCTAssertTrue(body.contains(#""code":"key_paused""#), body)
            XCTAssertTrue(body.contains("resume-key \(issued.key.id)"), body)
            try await store.setKeyPaused(id: issued.key.id, memberID: memberID, paused: false, by: memberID)
            let resumed = try await complete(client, key: issued.secret)
            XCTAssertEqual(resumed.status, .ok)
        }
    }

    func testABudgetGives429BudgetExceededWithoutRetryAfter() async throws {
        // "Hello there" with two tokens to generate may cost 11 bytes + 2 special tokens + 2 = 15.
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none,
                                               budgets: KeyBudgets(daily: 15), by: nil)
        try await withApp { client in
            let first = try await complete(client, key: issued.secret)
            XCTAssertEqual(first.status, .ok)
            // Settled to what it used: too little is left for another worst case.
            let spent = try await complete(client, key: issued.secret)
            XCTAssertEqual(spent.status, .tooManyRequests)
            let body = String(buffer: spent.body)
            XCTAssertTrue(body.contains(#""code":"budget_exceeded""#), body)
            XCTAssertTrue(body.contains("key daily budget of 15 tokens"), body)
            XCTAssertTrue(body.contains("T00:00:00Z"), body)
            XCTAssertNil(spent.headers[.retryAfter])
            // Larger than the whole budget: refused at once, also without Retry-After.
            let huge = try await complete(client, key: issued.secret, maxTokens: 100)
            XCTAssertEqual(huge.status, .tooManyRequests)
            XCTAssertTrue(String(buffer: huge.body).contains("more than the whole key daily budget"), String(buffer: huge.body))
            XCTAssertNil(huge.headers[.retryAfter])
        }
    }

    func testEveryRequestIsRecordedBeforeItsResponseEnds() async throws {
        let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
        let store = self.store!, memberID = member.id
        try await withApp { client in
            let r = try await complete(client, key: issued.secret, maxTokens: 3)
            XCTAssertEqual(r.status, .ok)
            let body = String(buffer: r.body)
            let promptTokens = Int(body.firstMatch(of: /"prompt_tokens":(\d+)/)!.1)!
            // Read right after the response: the record is already there.
            let today = try await store.dailyUsage(memberID: memberID, days: 1, now: Date())
            XCTAssertEqual(today.last?.requests, 1)
            XCTAssertEqual(today.last?.promptTokens, promptTokens)
            XCTAssertEqual(today.last?.completionTokens, 3)
            let bad = try await client.execute(uri: "/v1/completions", method: .post,
                                               headers: [.authorization: "Bearer \(issued.secret)", .contentType: "application/json"],
                                               body: ByteBuffer(string: "not json")) { $0.status }
            XCTAssertEqual(bad, .badRequest)
            let after = try await store.dailyUsage(memberID: memberID, days: 1, now: Date())
            XCTAssertEqual(after.last?.requests, 2, "failed requests are recorded too")
            let keys = try await store.keys(memberID: memberID)
            XCTAssertEqual(keys.first?.requests, 2)
            XCTAssertNotNil(keys.first?.lastUsedAt)
        }
    }
}

private func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

private func complete(_ client: any TestClientProtocol, key: String, maxTokens: Int = 2) async throws -> TestResponse {
    try await client.execute(uri: "/v1/completions", method: .post,
                             headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                             body: ByteBuffer(string: #"{"model": "tiny", "prompt": "Hello there", "max_tokens": \#(maxTokens), "temperature": 0}"#))
}
