import Access
import ArgumentParser
import Foundation

/// `admin concurrency EMAIL N` and `admin key-concurrency KEY-ID N`: how many
/// requests of each of a member's keys (or of one key) run at once; more wait
/// in the server's queue (`--key-queue`). 'none' goes back to the default.
struct AdminConcurrency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concurrency", abstract: "Set how many requests each of a member's keys may run at once ('none': the server's --key-concurrency).",
        discussion: "Example: baseserve admin concurrency ada@example.org 2")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The member's email or id.") var member: String
    @Argument(help: "Requests at once per key, or 'none'.") var requests: String

    func run() async throws {
        let value = try parseConcurrency(requests)
        let m = try await withStore(access) { store in
            let m = try await findMember(store, member)
            try await store.setMemberConcurrency(memberID: m.id, maxConcurrency: value, by: nil)
            return m
        }
        print("\(TerminalText.safe(m.email)): \(describeConcurrency(value)) per key")
    }
}

struct AdminKeyConcurrency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-concurrency", abstract: "Set how many requests one key may run at once ('none': its member's setting).",
        discussion: "Example: baseserve admin key-concurrency 3fa9c2e1 16")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id (the part after bsk_).") var key: String
    @Argument(help: "Requests at once, or 'none'.") var requests: String

    func run() async throws {
        let value = try parseConcurrency(requests)
        try await withStore(access) { store in
            try await store.setKeyConcurrency(id: key, maxConcurrency: value, by: nil)
        }
        print("key \(TerminalText.safe(key)): \(describeConcurrency(value))")
    }
}

private func parseConcurrency(_ text: String) throws -> Int? {
    if text == "none" { return nil }
    guard let n = Int(text), (1...SQLAccessStore.maxConcurrencySetting).contains(n) else {
        throw CommandFailure("requests at once must be a number from 1 to \(SQLAccessStore.maxConcurrencySetting), or 'none', not \(text)")
    }
    return n
}

private func describeConcurrency(_ value: Int?) -> String {
    value.map { "\($0) request\($0 == 1 ? "" : "s") at once" } ?? "the server's default number of requests at once"
}
