import Foundation

/// One result row: column names in the order the query gave them, and values.
/// Accessors throw when a column is missing or of the wrong kind, which is a
/// bug in the store's SQL, never a state of the data.
public struct SQLRow: Sendable, Equatable {
    public var columns: [String]
    public var values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(column: String) -> SQLValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    func value(_ column: String) throws -> SQLValue {
        guard let value = self[column] else { throw SQLDatabaseError.decoding("no column \(column) in result") }
        return value
    }

    func text(_ column: String) throws -> String {
        guard let text = try optionalText(column) else { throw SQLDatabaseError.decoding("column \(column) is NULL") }
        return text
    }

    func optionalText(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        case .int(let int): return String(int)
        case .double(let double): return String(double)
        }
    }

    func int64(_ column: String) throws -> Int64 {
        guard let int = try optionalInt64(column) else { throw SQLDatabaseError.decoding("column \(column) is NULL") }
        return int
    }

    func optionalInt64(_ column: String) throws -> Int64? {
        switch try value(column) {
        case .null: return nil
        case .int(let int): return int
        case .double(let double): return Int64(double)
        case .text(let text):
            guard let int = Int64(text) else { throw SQLDatabaseError.decoding("column \(column) is not an integer") }
            return int
        }
    }

    func int(_ column: String) throws -> Int { Int(try int64(column)) }
    func optionalInt(_ column: String) throws -> Int? { try optionalInt64(column).map { Int($0) } }
    func bool(_ column: String) throws -> Bool { try int64(column) != 0 }

    func time(_ column: String) throws -> Date { Date(unixMilliseconds: try int64(column)) }
    func optionalTime(_ column: String) throws -> Date? { try optionalInt64(column).map { Date(unixMilliseconds: $0) } }
}
