import Access
import ArgumentParser
import Foundation

struct AdminCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an admin account (password read from standard input).")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "The admin's email, used to sign in.") var email: String
    @Option(name: .long, help: "The admin's name (default: the part of the email before @).") var name: String?

    func run() async throws {
        let password = try readNewPassword()
        try PasswordHasher.validatePassword(password)
        let member = try await withStore(access) { store in
            try await store.createMember(email: email, name: name ?? String(email.prefix { $0 != "@" }),
                                         passwordHash: PasswordHasher.hash(password), isAdmin: true, by: nil)
        }
        print("admin \(TerminalText.safe(member.email)) created; sign in at \(access.publicBase())/signin")
    }
}

struct AdminSetupLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup-link", abstract: "Print a one-time link that creates the first admin account.")
    @OptionGroup var access: AccessOptions

    func run() async throws {
        let link = try await withStore(access) { store -> String in
            guard try await !store.hasAdmin() else { throw CommandFailure("an admin exists already; use `admin create` for more") }
            return try await access.publicBase() + "/setup/" + store.createSetupToken(lifetime: 24 * 3600)
        }
        print(link)
    }
}

struct AdminMembers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List members with their status and limits.")
    @OptionGroup var access: AccessOptions

    func run() async throws {
        let members = try await withStore(access) { try await $0.members() }
        let rows: [[String]] = members.map { m in
            let role = m.isAdmin ? "admin" : "member"
            let models = m.limits.allowedModels?.joined(separator: ",") ?? "all"
            return [m.id, m.email, m.name, role, m.status.rawValue, limit(m.limits.requestsPerMinute),
                    limit(m.limits.tokensPerMinute), limit(m.limits.tokensPerDay), limit(m.monthlyTokenBudget), models,
                    shortDate(m.createdAt)]
        }
        printTable(["ID", "EMAIL", "NAME", "ROLE", "STATUS", "REQ/MIN", "TOK/MIN", "TOK/DAY", "BUDGET/MONTH", "MODELS", "SINCE"], rows)
    }
}

func limit(_ value: Int?) -> String { value.map(String.init) ?? "-" }

struct AdminSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend", abstract: "Suspend a member: every key stops working and sign-in is refused.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The member's email or id.") var member: String

    func run() async throws {
        let m = try await withStore(access) { store in
            let m = try await findMember(store, member)
            try await store.setStatus(memberID: m.id, status: .suspended, by: nil)
            return m
        }
        print("suspended \(TerminalText.safe(m.email))")
    }
}

struct AdminActivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activate", abstract: "Lift a member's suspension.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The member's email or id.") var member: String

    func run() async throws {
        let m = try await withStore(access) { store in
            let m = try await findMember(store, member)
            try await store.setStatus(memberID: m.id, status: .active, by: nil)
            return m
        }
        print("reactivated \(TerminalText.safe(m.email))")
    }
}

struct AdminLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits", abstract: "Set a member's limits (0 or 'none' clears one).",
        discussion: "Example: baseserve admin limits ada@example.org --requests-per-minute 60 --tokens-per-day 1000000 --models smollm2-135m-instruct")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The member's email or id.") var member: String
    @Option(name: .long, help: "Requests per minute.") var requestsPerMinute: String?
    @Option(name: .long, help: "Prompt plus completion tokens per minute.") var tokensPerMinute: String?
    @Option(name: .long, help: "Prompt plus completion tokens per UTC day.") var tokensPerDay: String?
    @Option(name: .long, help: "Comma-separated models the member may use ('all' for every model).") var models: String?

    func run() async throws {
        let m = try await withStore(access) { store in
            var m = try await findMember(store, member)
            if let v = requestsPerMinute { m.limits.requestsPerMinute = try Self.parse(v, "--requests-per-minute") }
            if let v = tokensPerMinute { m.limits.tokensPerMinute = try Self.parse(v, "--tokens-per-minute") }
            if let v = tokensPerDay { m.limits.tokensPerDay = try Self.parse(v, "--tokens-per-day") }
            if let v = models { m.limits.allowedModels = Self.modelList(v) }
            try await store.setLimits(memberID: m.id, limits: m.limits, by: nil)
            return m
        }
        print("\(TerminalText.safe(m.email)): requests/min \(limit(m.limits.requestsPerMinute)), tokens/min \(limit(m.limits.tokensPerMinute)), tokens/day \(limit(m.limits.tokensPerDay)), models \(TerminalText.safe(m.limits.allowedModels?.joined(separator: ",") ?? "all"))")
    }

    /// Comma-separated model names; 'all' or nothing: no restriction.
    static func modelList(_ value: String) -> [String]? {
        let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return (value == "all" || list.isEmpty) ? nil : list
    }

    static func parse(_ value: String, _ option: String) throws -> Int? {
        if value == "none" || value == "0" { return nil }
        guard let n = Int(value), n > 0 else { throw CommandFailure("\(option) takes a positive number or 'none', not \(value)") }
        return n
    }
}
