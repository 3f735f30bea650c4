import Access
import ArgumentParser
import Foundation
import Logging

/// `baseserve admin …`: the operator's view of the access database, the same
/// one the server uses (`--data-dir` or `--database`). Actions are audited with
/// no acting member (the command line).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage access: admins, requests, invites, members, keys and usage.",
        discussion: """
            Works on the database the server uses: pass the same --data-dir (default ./data) or
            --database postgres://… as to `baseserve serve`. Links are printed with --public-url
            (default http://127.0.0.1:8000).
            """,
        subcommands: [
            AdminCreate.self, AdminSetupLink.self, AdminRequests.self, AdminApprove.self, AdminDeny.self, AdminInvite.self,
            AdminInvites.self, AdminMembers.self, AdminSuspend.self, AdminActivate.self, AdminLimits.self, AdminKeys.self,
            AdminRevokeKey.self, AdminPauseKey.self, AdminResumeKey.self, AdminRenameKey.self, AdminKeyLimits.self,
            AdminBudget.self, AdminKeyBudget.self, AdminConcurrency.self, AdminKeyConcurrency.self, AdminUsage.self,
            AdminAudit.self, AdminMailTest.self, AdminBatches.self,
        ]
    )
}

/// Runs `body` with an open store, closing it afterwards, and turns access
/// errors into one sentence and exit status 1.
func withStore<T>(_ options: AccessOptions, _ body: (SQLAccessStore) async throws -> T) async throws -> T {
    var logger = Logger(label: "baseserve.admin")
    logger.logLevel = .warning
    let store = try await options.openStore(logger: logger)
    do {
        let result = try await body(store)
        try? await store.close()
        return result
    } catch let error as AccessError {
        try? await store.close()
        throw CommandFailure(error.description)
    } catch {
        try? await store.close()
        throw error
    }
}

/// A member given by email or id.
func findMember(_ store: SQLAccessStore, _ who: String) async throws -> Member {
    if who.contains("@"), let m = try await store.member(email: who) { return m }
    if let m = try await store.member(id: who) { return m }
    throw CommandFailure("no member \(who)")
}

let inviteDays = 7

/// Dates in listings: UTC, to the minute.
func shortDate(_ date: Date?) -> String {
    guard let date else { return "-" }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.string(from: date)
}

/// Prints rows as aligned columns under a header; cells hold stored text, so
/// their control characters are escaped (`TerminalText`).
func printTable(_ header: [String], _ rows: [[String]]) {
    let rows = rows.map { $0.map { TerminalText.safe($0) } }
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// A password from standard input: asked twice, unechoed, on a terminal; one line otherwise.
func readNewPassword() throws -> String {
    if isatty(STDIN_FILENO) != 0 {
        guard let first = getpass("Password (8 characters or more): ").map({ String(cString: $0) }),
              let second = getpass("Password again: ").map({ String(cString: $0) }) else {
            throw CommandFailure("no password given")
        }
        guard first == second else { throw CommandFailure("the two passwords differ") }
        return first
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw CommandFailure("no password on standard input")
    }
    return line
}
