/// The little the access store needs from a database: run one statement with
/// `?` placeholders and bound values, and run a group of them atomically.
/// SQL is written once; each driver adapts placeholders and values.
public protocol SQLConnection: Sendable {
    /// Runs one statement (never several separated by `;`) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

public protocol SQLDatabase: SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs `body` inside BEGIN … COMMIT on one connection; ROLLBACK when it
    /// throws. Nothing else runs on that connection meanwhile. `body` must use
    /// the connection it is given, never the database (that could deadlock).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Ends the connections; nothing may be asked afterwards.
    func close() async throws
}

extension SQLConnection {
    @discardableResult
    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }

    /// The first row, if any.
    func first(_ sql: String, _ binds: [SQLValue] = []) async throws -> SQLRow? {
        try await query(sql, binds).first
    }
}

/// What drivers throw, so the store can tell a taken unique value (an email
/// in use) from a broken database without knowing the driver.
public enum SQLDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    case uniqueViolation(String)
    case failed(String)
    case decoding(String)

    public var description: String {
        switch self {
        case .uniqueViolation(let m): return "unique constraint violated: \(m)"
        case .failed(let m): return m
        case .decoding(let m): return "unexpected database result: \(m)"
        }
    }
}
