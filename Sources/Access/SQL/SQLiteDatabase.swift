import Foundation
import Logging
import SQLiteNIO

/// The access database in one SQLite file, `access.sqlite` in the data
/// directory: WAL journal (readers do not block the writer, and a crash loses
/// no committed transaction), foreign keys on, and a busy timeout so another
/// process (the admin command line) waits rather than fails.
///
/// sqlite-nio gives one connection. Every statement, and every transaction as
/// a whole, runs under one FIFO lock, so concurrent tasks never interleave
/// inside BEGIN … COMMIT.
public final class SQLiteDatabase: SQLDatabase {
    public static let fileName = "access.sqlite"

    public let dialect = SQLDialect.sqlite
    public let path: String
    private let connection: SQLiteConnection
    private let lock = AsyncFIFOLock()

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens (creating if missing) `access.sqlite` under `dataDirectory`.
    public static func open(dataDirectory: String, logger: Logger) async throws -> SQLiteDatabase {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw AccessError.database("cannot create the data directory \(dataDirectory): \(error.localizedDescription)")
        }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw AccessError.database("cannot open the SQLite database \(path): \(Self.message(error))")
        }
        let database = SQLiteDatabase(path: path, connection: connection)
        do {
            // busy_timeout first: the others may have to wait for another process.
            try await database.query("PRAGMA busy_timeout = 5000")
            try await database.query("PRAGMA journal_mode = WAL")
            try await database.query("PRAGMA foreign_keys = ON")
            // NORMAL is durable in WAL mode against application crashes.
            try await database.query("PRAGMA synchronous = NORMAL")
        } catch {
            try? await connection.close()
            throw error
        }
        return database
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await lock.withLock { try await run(sql, binds) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await lock.withLock {
            // IMMEDIATE takes the write lock now, so a transaction that reads
            // and then writes cannot fail halfway on another process's lock.
            _ = try await run("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(LockedConnection(database: self))
                _ = try await run("COMMIT", [])
                return result
            } catch {
                _ = try? await run("ROLLBACK", [])
                throw error
            }
        }
    }

    public func close() async throws {
        try await lock.withLock {
            do { try await connection.close() } catch { throw AccessError.database("cannot close \(path): \(Self.message(error))") }
        }
    }

    /// Runs a statement; the caller holds the lock.
    fileprivate func run(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data: [SQLiteData] = binds.map {
            switch $0 {
            case .null: return .null
            case .int(let int): return .integer(numericCast(int))
            case .double(let double): return .float(double)
            case .text(let text): return .text(text)
            }
        }
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(sql, data)
        } catch let error as SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed:
                throw SQLDatabaseError.uniqueViolation(error.message)
            default:
                throw SQLDatabaseError.failed("SQLite: \(error.message)")
            }
        } catch {
            throw SQLDatabaseError.failed("SQLite: \(Self.message(error))")
        }
        return rows.map { row in
            let columns = row.columns
            return SQLRow(columns: columns.map(\.name), values: columns.map {
                switch $0.data {
                case .null: return .null
                case .integer(let int): return .int(Int64(int))
                case .float(let double): return .double(double)
                case .text(let text): return .text(text)
                case .blob(let buffer): return .text(String(buffer: buffer))
                }
            })
        }
    }

    private static func message(_ error: any Error) -> String {
        (error as? SQLiteError)?.message ?? String(describing: error)
    }
}

/// The connection a transaction body gets: the lock is already held.
private struct LockedConnection: SQLConnection {
    let database: SQLiteDatabase

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await database.run(sql, binds)
    }
}
