import Foundation

/// One value crossing the boundary to a database: the four kinds the access
/// schema uses. Times are `.int` unix milliseconds, booleans `.int` 0/1, so the
/// same SQL and the same decoding work on SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
    static func optional(_ int: Int?) -> SQLValue { int.map { .int(Int64($0)) } ?? .null }
    static func int(_ value: Int) -> SQLValue { .int(Int64(value)) }
    static func bool(_ value: Bool) -> SQLValue { .int(value ? 1 : 0) }
    static func time(_ date: Date) -> SQLValue { .int(date.unixMilliseconds) }
    static func optionalTime(_ date: Date?) -> SQLValue { date.map { .time($0) } ?? .null }
}

extension Date {
    /// Whole milliseconds since 1970, the unit every time column is stored in.
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
