import Access
import ArgumentParser
import Foundation

struct AdminKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "List API keys (never their secrets).")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Only this member's keys (email or id).") var member: String?

    func run() async throws {
        let (keys, emails) = try await withStore(access) { store -> ([APIKey], [String: String]) in
            let keys: [APIKey]
            if let member {
                keys = try await store.keys(memberID: findMember(store, member).id)
            } else {
                keys = try await store.allKeys()
            }
            var emails: [String: String] = [:]
            for m in try await store.members() { emails[m.id] = m.email }
            return (keys, emails)
        }
        let now = Date()
        let rows: [[String]] = keys.map { k in
            [k.displayPrefix, k.name, emails[k.memberID] ?? k.memberID, k.state(at: now), shortDate(k.createdAt),
             shortDate(k.lastUsedAt), shortDate(k.expiresAt), String(k.requests), String(k.tokens),
             limit(k.budgets.monthly), limit(k.budgets.daily)]
        }
        printTable(["KEY", "NAME", "MEMBER", "STATUS", "CREATED", "LAST USED", "EXPIRES", "REQUESTS", "TOKENS",
                    "BUDGET/MONTH", "BUDGET/DAY"], rows)
    }
}

struct AdminRevokeKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke an API key by its id (the part after bsk_).")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String

    func run() async throws {
        let id = keyID(key)
        try await withStore(access) { try await $0.revokeKey(id: id, memberID: nil, by: nil) }
        print("revoked bsk_\(id)_…")
    }
}

struct AdminPauseKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause-key", abstract: "Pause an API key: it gets 401 key_paused until resumed.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String

    func run() async throws {
        let id = keyID(key)
        try await withStore(access) { try await $0.setKeyPaused(id: id, memberID: nil, paused: true, by: nil) }
        print("paused bsk_\(id)_…")
    }
}

struct AdminResumeKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume-key", abstract: "Resume a paused API key.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String

    func run() async throws {
        let id = keyID(key)
        try await withStore(access) { try await $0.setKeyPaused(id: id, memberID: nil, paused: false, by: nil) }
        print("resumed bsk_\(id)_…")
    }
}

struct AdminRenameKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename-key", abstract: "Rename an API key.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String
    @Argument(help: "The new name.") var name: String

    func run() async throws {
        let id = keyID(key)
        try await withStore(access) { try await $0.renameKey(id: id, memberID: nil, name: name, by: nil) }
        print("renamed bsk_\(id)_… to \(TerminalText.safe(name))")
    }
}

struct AdminUsage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Usage per UTC day: requests and tokens.")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Only this member (email or id).") var member: String?
    @Option(name: .long, help: "How many days back.") var days = 30

    func run() async throws {
        guard (1...3660).contains(days) else { throw ValidationError("--days must be between 1 and 3660") }
        let usage = try await withStore(access) { store -> [DailyUsage] in
            var id: String?
            if let member { id = try await findMember(store, member).id }
            return try await store.dailyUsage(memberID: id, days: days, now: Date())
        }
        let rows: [[String]] = usage.map { [$0.day, String($0.requests), String($0.promptTokens), String($0.completionTokens)] }
        printTable(["DAY", "REQUESTS", "PROMPT TOKENS", "COMPLETION TOKENS"], rows)
        let requests = usage.reduce(0) { $0 + $1.requests }
        let prompt = usage.reduce(0) { $0 + $1.promptTokens }
        let completion = usage.reduce(0) { $0 + $1.completionTokens }
        print("total: \(requests) requests, \(prompt) prompt tokens, \(completion) completion tokens")
    }
}

struct AdminAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The latest admin actions.")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "How many entries.") var limit = 50

    func run() async throws {
        let entries = try await withStore(access) { try await $0.auditLog(limit: max(1, limit)) }
        let rows: [[String]] = entries.map {
            [shortDate($0.time), $0.actorEmail ?? "command line", $0.action, $0.target, $0.detail ?? ""]
        }
        printTable(["TIME", "WHO", "ACTION", "TARGET", "DETAIL"], rows)
    }
}

struct AdminKeyLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-limits", abstract: "Override a member's limits for one key ('none' falls back to the member's).",
        discussion: "Example: baseserve admin key-limits bsk_AbC123xy --requests-per-minute 10 --models smollm2-135m-instruct")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String
    @Option(name: .long, help: "Requests per minute.") var requestsPerMinute: String?
    @Option(name: .long, help: "Prompt plus completion tokens per minute.") var tokensPerMinute: String?
    @Option(name: .long, help: "Prompt plus completion tokens per UTC day.") var tokensPerDay: String?
    @Option(name: .long, help: "Comma-separated models this key may use ('all': the member's).") var models: String?

    func run() async throws {
        let id = keyID(key)
        let limits = try await withStore(access) { store -> Limits in
            guard var limits = try await store.allKeys().first(where: { $0.id == id })?.limits else {
                throw CommandFailure("no key bsk_\(id)_…")
            }
            if let v = requestsPerMinute { limits.requestsPerMinute = try AdminLimits.parse(v, "--requests-per-minute") }
            if let v = tokensPerMinute { limits.tokensPerMinute = try AdminLimits.parse(v, "--tokens-per-minute") }
            if let v = tokensPerDay { limits.tokensPerDay = try AdminLimits.parse(v, "--tokens-per-day") }
            if let v = models { limits.allowedModels = AdminLimits.modelList(v) }
            try await store.setKeyLimits(id: id, limits: limits, by: nil)
            return limits
        }
        print("bsk_\(id)_…: requests/min \(limit(limits.requestsPerMinute)), tokens/min \(limit(limits.tokensPerMinute)), tokens/day \(limit(limits.tokensPerDay)), models \(TerminalText.safe(limits.allowedModels?.joined(separator: ",") ?? "the member's"))")
    }
}

/// A key's id from `bsk_<id>_…` or the bare id.
func keyID(_ given: String) -> String {
    given.hasPrefix("bsk_") ? String(given.dropFirst(4).prefix { $0 != "_" }) : given
}
