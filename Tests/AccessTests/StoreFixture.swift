import Foundation
import Logging
import Testing
@testable import Access

/// Which database a test runs on. Every store test runs on SQLite, and on
/// PostgreSQL too when BASESERVE_TEST_POSTGRES_URL is set.
enum Backend: String, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL: String? = {
        let url = ProcessInfo.processInfo.environment["BASESERVE_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }()

    static let isCI = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"

    static let all: [Backend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
}

/// Bcrypt at cost 4: the tests check behaviour, not hashing strength.
func testPasswordHash(_ password: String = "correct horse battery") -> String {
    PasswordHasher.hash(password, cost: 4)
}

/// A private database for one test: a temporary directory for SQLite, a
/// fresh schema for PostgreSQL. `open()` may be called again (after `close`)
/// to see the same data; `finish()` removes everything.
final class StoreFixture: @unchecked Sendable {
    let backend: Backend
    let directory: String
    let schema: String
    private(set) var store: SQLAccessStore?

    init(_ backend: Backend) {
        self.backend = backend
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("access-test-\(id)").path
        schema = "t_\(id.prefix(20))"
    }

    var databaseURL: String? {
        guard backend == .postgres, let url = Backend.postgresURL else { return nil }
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    @discardableResult
    func open(now: @escaping @Sendable () -> Date = { Date() }, defaultMonthlyTokenBudget: Int? = nil) async throws -> SQLAccessStore {
        let store = try await SQLAccessStore.open(databaseURL: databaseURL, dataDirectory: directory,
                                                  logger: Logger(label: "access-tests"), now: now,
                                                  defaultMonthlyTokenBudget: defaultMonthlyTokenBudget)
        self.store = store
        return store
    }

    func close() async throws {
        try await store?.close()
        store = nil
    }

    func finish() async throws {
        if backend == .postgres {
            if store == nil { try await open() }
            try await store?.database.query("DROP SCHEMA \"\(schema)\" CASCADE")
        }
        try await close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` against a fresh store on `backend` and cleans up, whatever happens.
func withStore(_ backend: Backend, now: @escaping @Sendable () -> Date = { Date() },
               _ body: (SQLAccessStore, StoreFixture) async throws -> Void) async throws {
    let fixture = StoreFixture(backend)
    do {
        let store = try await fixture.open(now: now)
        try await body(store, fixture)
    } catch {
        try? await fixture.finish()
        throw error
    }
    try await fixture.finish()
}

/// A member to hang keys and sessions on.
func makeMember(_ store: SQLAccessStore, email: String = "ada@example.com", isAdmin: Bool = false,
                limits: Limits = .none) async throws -> Member {
    var member = try await store.createMember(email: email, name: "Ada", passwordHash: testPasswordHash(),
                                              isAdmin: isAdmin, by: nil)
    if limits != .none {
        try await store.setLimits(memberID: member.id, limits: limits, by: nil)
        member.limits = limits
    }
    return member
}

/// The middle of a minute, so a test's admissions all fall in one window.
func midMinute() -> Date {
    let ms = Date().unixMilliseconds
    return Date(unixMilliseconds: ms - ms % 60_000 + 30_000)
}

func expectAccessError<T>(_ expected: AccessError, _ body: () async throws -> T,
                       sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), got success", sourceLocation: sourceLocation)
    } catch let error as AccessError {
        switch (expected, error) {
        case (.notFound, .notFound), (.conflict, .conflict), (.invalid, .invalid), (.database, .database):
            break
        default:
            #expect(error == expected, sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}
