import Foundation
import Logging

/// `AccessStore` over any `SQLDatabase`: the logic is written once, the SQL
/// once (with `?` placeholders), and SQLite or PostgreSQL sits underneath.
///
/// Nothing about validity is cached: a revoked key or a suspended member is
/// refused on the very next request.
public final class SQLAccessStore: AccessStore {
    public let database: any SQLDatabase
    /// The store's clock; tests move it.
    let now: @Sendable () -> Date
    /// The monthly token budget of members without one of their own
    /// (`--monthly-token-budget`); nil: none.
    public let defaultMonthlyTokenBudget: Int?
    private let pruner = WindowPruner()

    /// Runs the migrations on `database`, then serves from it. The store owns
    /// the database from here on: `close()` closes it.
    public init(database: any SQLDatabase, now: @escaping @Sendable () -> Date = { Date() },
                defaultMonthlyTokenBudget: Int? = nil) async throws {
        self.database = database
        self.now = now
        self.defaultMonthlyTokenBudget = defaultMonthlyTokenBudget
        do {
            try await Migrations.run(on: database, now: now().unixMilliseconds)
        } catch {
            throw Self.accessError(error)
        }
    }

    /// Opens the store an operator configured: `databaseURL` nil (or empty)
    /// means `access.sqlite` in `dataDirectory`; `postgres://` or
    /// `postgresql://` means PostgreSQL (see `PostgresLocation` for options).
    public static func open(databaseURL: String?, dataDirectory: String, logger: Logger,
                            now: @escaping @Sendable () -> Date = { Date() },
                            defaultMonthlyTokenBudget: Int? = nil) async throws -> SQLAccessStore {
        let database: any SQLDatabase
        switch try DatabaseKind(url: databaseURL) {
        case .sqlite:
            database = try await SQLiteDatabase.open(dataDirectory: dataDirectory, logger: logger)
        case .postgres(let url):
            database = try await PostgresDatabase.open(url: url, logger: logger)
        }
        do {
            return try await SQLAccessStore(database: database, now: now, defaultMonthlyTokenBudget: defaultMonthlyTokenBudget)
        } catch {
            try? await database.close()
            throw error
        }
    }

    /// Closes the database connections (and PostgreSQL's pool task).
    public func close() async throws {
        do { try await database.close() } catch { throw Self.accessError(error) }
    }

    // MARK: Running SQL

    /// One statement outside a transaction, errors made `AccessError`s.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        do { return try await database.query(sql, binds) } catch { throw Self.accessError(error) }
    }

    /// A transaction, errors made `AccessError`s (a store's own `AccessError`
    /// thrown inside passes through after the rollback).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        do { return try await database.transaction(body) } catch { throw Self.accessError(error) }
    }

    static func accessError(_ error: any Error) -> AccessError {
        switch error {
        case let error as AccessError: return error
        case SQLDatabaseError.uniqueViolation(let message): return .conflict("Already exists (\(message)).")
        case let error as SQLDatabaseError: return .database(error.description)
        default: return .database(String(describing: error))
        }
    }

    // MARK: Shared helpers

    /// Random row ids: 16 base62 characters, about 95 bits, no sequence to guess.
    static func newID() -> String { Base62.random(count: 16) }

    static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Trimmed, lowercased, and shaped like an address (the pages show the
    /// reason to whoever typed it).
    static func validEmail(_ email: String) throws -> String {
        let email = normalizedEmail(email)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, email.count <= 254,
              !email.contains(where: { $0.isWhitespace }) else {
            throw AccessError.invalid("That does not look like an email address.")
        }
        return email
    }

    static func required(_ text: String, _ what: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AccessError.invalid("\(what) is required.")
        }
        return text
    }

    /// Milliseconds `lifetime` from `now`.
    static func expiry(_ now: Date, _ lifetime: TimeInterval) -> Int64 {
        now.unixMilliseconds + Int64((lifetime * 1000).rounded())
    }

    /// Prunes old rate windows at most once a minute per process.
    func pruneWindowsIfDue(minute: Int64) async {
        guard pruner.claim(minute: minute) else { return }
        let day = minute / 1440
        // A month window is kept through the next month: never pruned while its month runs.
        let month = UTCMonth.number(ms: minute * Self.minuteMilliseconds)
        // Best effort: a failed prune is retried next minute and harms nothing.
        _ = try? await database.query(
            "DELETE FROM rate_windows WHERE (kind = 'minute' AND window_key < ?) OR (kind = 'day' AND window_key < ?) OR (kind = 'month' AND window_key < ?)",
            [.int(minute - 2), .int(day - 2), .int(month - 1)])
    }
}

/// Which database an operator's setting names.
enum DatabaseKind: Equatable {
    case sqlite
    case postgres(String)

    init(url: String?) throws {
        guard let url = url?.trimmingCharacters(in: .whitespaces), !url.isEmpty else {
            self = .sqlite
            return
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
            throw AccessError.invalid("Unsupported database URL: expected postgres://user:password@host:port/database, or none for SQLite in the data directory.")
        }
        self = .postgres(url)
    }
}

/// Remembers the last minute rate windows were pruned in.
private final class WindowPruner: @unchecked Sendable {
    private let lock = NSLock()
    private var lastMinute: Int64 = .min

    func claim(minute: Int64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard minute > lastMinute else { return false }
        lastMinute = minute
        return true
    }
}
