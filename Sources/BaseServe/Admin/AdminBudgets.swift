import Access
import ArgumentParser
import Foundation

struct AdminBudget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget", abstract: "Set a member's monthly token budget ('none': the server's --monthly-token-budget).",
        discussion: "Tokens are prompt plus completion, all the member's keys together, per UTC calendar month. Example: baseserve admin budget ada@example.org --monthly 5000000")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The member's email or id.") var member: String
    @Option(name: .long, help: "Tokens per UTC month, or 'none' to clear the member's own budget.") var monthly: String

    func run() async throws {
        let tokens = try budgetValue(monthly, "--monthly")
        let m = try await withStore(access) { store in
            let m = try await findMember(store, member)
            try await store.setMonthlyBudget(memberID: m.id, tokens: tokens, by: nil)
            return m
        }
        print("\(TerminalText.safe(m.email)): monthly token budget \(tokens.map(String.init) ?? "none of their own (the server's default applies)")")
    }
}

struct AdminKeyBudget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-budget", abstract: "Set a key's monthly and daily token budgets ('none' clears one).",
        discussion: """
            A key's budgets cannot be above its member's own monthly budget (the server's \
            --monthly-token-budget is checked when the member sets them on the dashboard). \
            Example: baseserve admin key-budget bsk_AbC123xy --monthly 1000000 --daily 50000
            """)
    @OptionGroup var access: AccessOptions
    @Argument(help: "The key's id, or its listed prefix bsk_<id>_….") var key: String
    @Option(name: .long, help: "Tokens per UTC month, or 'none'.") var monthly: String?
    @Option(name: .long, help: "Tokens per UTC day, or 'none'.") var daily: String?

    func run() async throws {
        guard monthly != nil || daily != nil else { throw ValidationError("give --monthly, --daily or both") }
        let id = keyID(key)
        let budgets = try await withStore(access) { store -> KeyBudgets in
            guard var budgets = try await store.allKeys().first(where: { $0.id == id })?.budgets else {
                throw CommandFailure("no key bsk_\(id)_…")
            }
            if let monthly { budgets.monthly = try budgetValue(monthly, "--monthly") }
            if let daily { budgets.daily = try budgetValue(daily, "--daily") }
            try await store.setKeyBudgets(id: id, memberID: nil, budgets: budgets, by: nil)
            return budgets
        }
        print("bsk_\(id)_…: monthly budget \(limit(budgets.monthly)), daily budget \(limit(budgets.daily))")
    }
}

/// A budget option: a positive number of tokens, or 'none' for no budget.
func budgetValue(_ value: String, _ option: String) throws -> Int? {
    if value == "none" { return nil }
    guard let n = Int(value), n > 0 else { throw CommandFailure("\(option) takes a positive number of tokens or 'none', not \(value)") }
    return n
}
