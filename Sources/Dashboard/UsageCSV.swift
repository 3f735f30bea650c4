import Access
import Foundation

/// A month of usage rows as CSV (RFC 4180), for spreadsheets and scripts.
///
/// Some cells hold what clients sent (`user`, `X-Request-Id`, key names): a
/// cell that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) is written with a leading `'`, so
/// opening the file never runs a stranger's formula.
enum UsageCSV {
    static let header = ["time", "member", "key_id", "key_name", "model", "route", "prompt_tokens", "completion_tokens",
                         "total_tokens", "status", "latency_ms", "queue_ms", "workload", "request_id", "user"]

    static func render(_ entries: [UsageEntry]) -> String {
        var out = header.joined(separator: ",") + "\r\n"
        for e in entries {
            let cells: [String?] = [
                iso8601(e.time), e.memberEmail ?? e.memberID, e.keyID, e.keyName, e.model, e.route, String(e.promptTokens),
                String(e.completionTokens), String(e.tokens), String(e.status), String(e.latencyMilliseconds),
                e.queueMilliseconds.map(String.init), e.workload, e.requestID, e.user,
            ]
            out += cells.map { cell($0 ?? "") }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `2026-01-31T23:59:59.123Z`.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
