import API
import Access
import ArgumentParser
import Foundation

/// `admin batches`: every member's batches, newest first, with their progress.
struct AdminBatches: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batches", abstract: "List batches with their progress (newest first).")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Only this member's batches (email or id).") var member: String?
    @Option(name: .long, help: "How many to list.") var limit = 50

    func run() async throws {
        guard (1...10_000).contains(limit) else { throw CommandFailure("--limit must be between 1 and 10000") }
        let (batches, emails) = try await withStore(access) { store -> ([Batch], [String: String]) in
            var owner: String?
            if let member { owner = try await findMember(store, member).id }
            var emails: [String: String] = [:]
            for m in try await store.members() { emails[m.id] = m.email }
            return (try await store.batches(owner: owner, after: nil, limit: limit), emails)
        }
        let rows: [[String]] = batches.map { b in
            let counts = b.requestCounts
            let finished = counts.completed + counts.failed
            return [b.id, TerminalText.safe(emails[b.owner] ?? b.owner), b.status.rawValue, b.endpoint,
                    Self.progress(finished, of: counts.total), String(counts.completed), String(counts.failed), shortDate(b.createdAt)]
        }
        printTable(["BATCH", "OWNER", "STATUS", "ENDPOINT", "PROGRESS", "DONE", "FAILED", "CREATED"], rows)
    }

    /// `12/40 30% [###-------]`: a bar a terminal shows at a glance.
    static func progress(_ finished: Int, of total: Int) -> String {
        guard total > 0 else { return "-" }
        let percent = finished * 100 / total
        let filled = finished * 10 / total
        return "\(finished)/\(total) \(percent)% [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: 10 - filled))]"
    }
}
