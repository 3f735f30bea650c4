import Access
import ArgumentParser
import Foundation

struct AdminKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List API keys (never their secrets).")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Only this member's keys (email or id).") var member: String?

    func run() async throws {
        let (keys, emails) = try await withStore(access) { store -> ([APIKey], [String: String]) in
            let keys = try await member.map { try await store.keys(memberID: findMember(store, $0).id) } ?? store.allKeys()
            let emails = Dictionary(try await store.members().map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
            return (keys, emails)
        }
        let now = Date()
        printTable(["KEY", "NAME", "MEMBER", "STATUS", "CREATED", "LAST USED", "EXPIRES", "REQUESTS", "TOKENS"], keys.map { k in
            [k.displayPrefix, k.name, emails[k.memberID] ?? k.memberID,
             k.revokedAt != nil ? "revoked" : (k.isUsable(at: now) ? "active" : "expired"),
             shortDate(k.createdAt), shortDate(k.lastUsedAt), shortDate(k.expiresAt), String(k.requests), String(k.tokens)]
        })
    }
}

struct AdminRevokeKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke an API key by its id (the part after bsk_).")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String

    func run() async throws {
        var id = key
        if id.hasPrefix("bsk_") { id = String(id.dropFirst(4).prefix { $0 != "_" }) }
        try await withStore(access) { try await $0.revokeKey(id: id, memberID: nil, by: nil) }
        print("revoked bsk_\(id)_…")
    }
}

struct AdminUsage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Usage per UTC day: requests and tokens.")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Only this member (email or id).") var member: String?
    @Option(name: .long, help: "How many days back.") var days = 30

    func run() async throws {
        guard (1...3660).contains(days) else { throw ValidationError("--days must be between 1 and 3660") }
        let usage = try await withStore(access) { store in
            let id = try await member.map { try await findMember(store, $0).id }
            return try await store.dailyUsage(memberID: id, days: days, now: Date())
        }
        printTable(["DAY", "REQUESTS", "PROMPT TOKENS", "COMPLETION TOKENS"], usage.map {
            [$0.day, String($0.requests), String($0.promptTokens), String($0.completionTokens)]
        })
        let total = usage.reduce((0, 0, 0)) { ($0.0 + $1.requests, $0.1 + $1.promptTokens, $0.2 + $1.completionTokens) }
        print("total: \(total.0) requests, \(total.1) prompt tokens, \(total.2) completion tokens")
    }
}

struct AdminAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The latest admin actions.")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "How many entries.") var limit = 50

    func run() async throws {
        let entries = try await withStore(access) { try await $0.auditLog(limit: max(1, limit)) }
        printTable(["TIME", "WHO", "ACTION", "TARGET", "DETAIL"], entries.map {
            [shortDate($0.time), $0.actorEmail ?? "command line", $0.action, $0.target, $0.detail ?? ""]
        })
    }
}
