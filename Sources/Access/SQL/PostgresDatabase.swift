import Foundation
import Logging
import PostgresNIO

/// The access database in PostgreSQL, for operators who outgrow one machine's
/// SQLite file. A pooled `PostgresClient` runs in a task this object owns;
/// `close()` ends it. A transaction holds one pooled connection from BEGIN to
/// COMMIT.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    public let location: PostgresLocation
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    private init(location: PostgresLocation, client: PostgresClient, runTask: Task<Void, Never>, logger: Logger) {
        self.location = location
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    /// Connects to `postgres://user:pass@host:port/db` (see `PostgresLocation`
    /// for the query options). Connects once before returning, so a wrong
    /// address or password is reported now, in words, not on the first request.
    public static func open(url: String, logger: Logger) async throws -> PostgresDatabase {
        let location = try PostgresLocation(url: url)
        try await checkConnection(location, logger: logger)

        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: try location.clientTLS())
        if let schema = location.schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        let database = PostgresDatabase(location: location, client: client, runTask: runTask, logger: logger)
        if let schema = location.schema {
            // The name was checked to be a plain identifier; identifiers cannot be bound.
            do {
                try await database.query("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
            } catch {
                try? await database.close()
                throw error
            }
        }
        return database
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            return try await client.withConnection { connection in
                try await Self.run(sql, binds, on: connection, logger: logger)
            }
        } catch let error as SQLDatabaseError {
            throw error
        } catch {
            throw translate(error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        do {
            return try await client.withConnection { connection in
                _ = try await Self.run("BEGIN", [], on: connection, logger: logger)
                do {
                    let result = try await body(TransactionConnection(connection: connection, logger: logger))
                    _ = try await Self.run("COMMIT", [], on: connection, logger: logger)
                    return result
                } catch {
                    _ = try? await Self.run("ROLLBACK", [], on: connection, logger: logger)
                    throw error
                }
            }
        } catch let error as SQLDatabaseError {
            throw error
        } catch let error as AccessError {
            throw error
        } catch let error as PSQLError {
            throw translate(error)
        }
    }

    public func close() async throws {
        runTask.cancel()
        await runTask.value
    }

    fileprivate static func run(_ sql: String, _ binds: [SQLValue], on connection: PostgresConnection,
                                logger: Logger) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let int): bindings.append(int)
            case .double(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            }
        }
        let query = PostgresQuery(unsafeSQL: numberedPlaceholders(sql), binds: bindings)
        do {
            var rows: [SQLRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                var columns: [String] = []
                var values: [SQLValue] = []
                for cell in row {
                    columns.append(cell.columnName)
                    values.append(try decode(cell))
                }
                rows.append(SQLRow(columns: columns, values: values))
            }
            return rows
        } catch let error as PSQLError {
            if error.serverInfo?[.sqlState] == PostgresError.Code.uniqueViolation.raw {
                throw SQLDatabaseError.uniqueViolation(error.serverInfo?[.message] ?? "duplicate key")
            }
            throw SQLDatabaseError.failed("PostgreSQL: \(describe(error))")
        }
    }

    private static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .void: return .null  // e.g. pg_advisory_xact_lock()
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        default:
            throw SQLDatabaseError.decoding("column \(cell.columnName) has PostgreSQL type \(cell.dataType), which the store does not read")
        }
    }

    /// `?` → `$1`, `$2`, …, leaving `?` inside quoted literals and identifiers alone.
    static func numberedPlaceholders(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    private func translate(_ error: any Error) -> any Error {
        AccessError.database("PostgreSQL at \(location.host):\(location.port): \(Self.describe(error))")
    }

    /// PSQLError's own description hides everything on purpose (it could carry
    /// data); the server's message and the connection failure are what an
    /// operator needs, and carry no secrets.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.detail].map { " (\($0))" } ?? "")
        }
        if let underlying = error.underlying {
            return "\(error.code): \(String(describing: underlying))"
        }
        return error.code.description
    }

    private static func checkConnection(_ location: PostgresLocation, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: try location.connectionTLS())
        configuration.options.connectTimeout = .seconds(10)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw AccessError.database("cannot connect to PostgreSQL at \(location.host):\(location.port): \(describe(error))")
        }
    }
}

/// The connection a transaction body gets: the one that ran BEGIN.
private struct TransactionConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await PostgresDatabase.run(sql, binds, on: connection, logger: logger)
    }
}
