import Access
import Foundation

/// How times, counts and limits read on the pages: UTC, to the minute, one
/// format everywhere so admins and members compare like with like.
enum DisplayFormat {
    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// 1234567 as "1,234,567".
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// A compact count for chart axes: 950, 1.2k, 3.4M.
    static func short(_ n: Int) -> String {
        switch n {
        case ..<1000: return "\(n)"
        case ..<1_000_000: return trim(Double(n) / 1000) + "k"
        default: return trim(Double(n) / 1_000_000) + "M"
        }
    }

    private static func trim(_ x: Double) -> String {
        x >= 10 ? String(Int(x.rounded())) : String(format: "%.1f", x).replacingOccurrences(of: ".0", with: "")
    }

    static func limit(_ n: Int?, unit: String) -> String {
        n.map { "\(count($0)) \(unit)" } ?? "unlimited"
    }

    /// Tokens used against a budget: "1,234 of 50,000", or "1,234" without one.
    static func used(_ used: Int, of budget: Int?) -> String {
        budget.map { "\(count(used)) of \(count($0))" } ?? count(used)
    }

    /// What a member's limits say, one line each, for the dashboard.
    static func limits(_ limits: Limits) -> [[String: String]] {
        [
            ["label": "Requests per minute", "value": limit(limits.requestsPerMinute, unit: "requests")],
            ["label": "Tokens per minute", "value": limit(limits.tokensPerMinute, unit: "tokens")],
            ["label": "Tokens per day", "value": limit(limits.tokensPerDay, unit: "tokens")],
            ["label": "Models", "value": limits.allowedModels.map { $0.joined(separator: ", ") } ?? "all models"],
        ]
    }
}
