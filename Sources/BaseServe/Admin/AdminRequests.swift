import Access
import ArgumentParser
import Foundation

struct AdminRequests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "requests", abstract: "List access requests (pending ones by default).")
    @OptionGroup var access: AccessOptions
    @Flag(name: .long, help: "Show reviewed requests too.") var all = false

    func run() async throws {
        let requests = try await withStore(access) { try await $0.requests(status: all ? nil : .pending) }
        if requests.isEmpty { print(all ? "no access requests" : "no pending access requests"); return }
        for r in requests {
            // Everything but the id, status and date was typed by the requester (or a reviewer).
            let who = TerminalText.safe("\(r.name) <\(r.email)>\(r.affiliation.map { ", \($0)" } ?? "")")
            print("\(r.id)  \(r.status.rawValue)  \(shortDate(r.createdAt))  \(who)")
            print("    \(TerminalText.safe(r.note, keepingNewlines: true).replacingOccurrences(of: "\n", with: "\n    "))")
            if let note = r.reviewNote { print("    review: \(TerminalText.safe(note))") }
        }
    }
}

struct AdminApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve an access request and print its invite link.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The request's id (see `admin requests`).") var id: String
    @Option(name: .long, help: "A note kept with the review.") var note: String?
    @Option(name: .long, help: "Days until the invite expires.") var days = inviteDays

    func run() async throws {
        guard days >= 1 else { throw ValidationError("--days must be at least 1") }
        let (request, invite) = try await withStore(access) {
            try await $0.approveRequest(id: id, note: note, inviteLifetime: TimeInterval(days) * 86400, by: nil)
        }
        print("approved \(TerminalText.safe(request.email)); send them this invite link (single use, expires in \(days) days):")
        print(access.publicBase() + invite.path)
    }
}

struct AdminDeny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny an access request.")
    @OptionGroup var access: AccessOptions
    @Argument(help: "The request's id.") var id: String
    @Option(name: .long, help: "A note kept with the review.") var note: String?

    func run() async throws {
        let request = try await withStore(access) { try await $0.denyRequest(id: id, note: note, by: nil) }
        print("denied \(TerminalText.safe(request.email))")
    }
}

struct AdminInvite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invite", abstract: "Invite an email directly and print the link.")
    @OptionGroup var access: AccessOptions
    @Option(name: .long, help: "Who the invite is for.") var email: String
    @Option(name: .long, help: "Days until the invite expires.") var days = inviteDays

    func run() async throws {
        guard days >= 1 else { throw ValidationError("--days must be at least 1") }
        let invite = try await withStore(access) {
            try await $0.createInvite(email: email, lifetime: TimeInterval(days) * 86400, by: nil)
        }
        print("invite for \(TerminalText.safe(invite.invite.email)) (single use, expires in \(days) days):")
        print(access.publicBase() + invite.path)
    }
}

struct AdminInvites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invites", abstract: "List invites and their state.")
    @OptionGroup var access: AccessOptions

    func run() async throws {
        let invites = try await withStore(access) { try await $0.invites() }
        let now = Date()
        let rows: [[String]] = invites.map {
            [$0.id, $0.email, $0.state(at: now).rawValue, shortDate($0.createdAt), shortDate($0.expiresAt)]
        }
        printTable(["ID", "EMAIL", "STATE", "CREATED", "EXPIRES"], rows)
    }
}
